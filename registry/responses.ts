/**
 * Turning registry answers into values or typed errors: status codes with the registry's own
 * error text, `Link` headers for pagination, and content digests checked against the bytes.
 */
import { createHash } from 'node:crypto';
import { codeForStatus, RegistryError } from './errors.ts';
import { artifactoryNextPage, isArtifactory } from './quirks.ts';
import { registryErrorText } from './schemas.ts';
import type { HttpResponse } from './transport.ts';

/** What was asked, for messages: `tags of 127.0.0.1:5000/app`, `manifest 127.0.0.1:5000/app:1.0`. */
export interface Asked {
  readonly registry: string;
  readonly repository: string;
  readonly what: string;
}

/** Throws the typed error for a non-2xx answer; returns for 2xx. */
const HTTP_TO_HTTPS = /client sent an HTTP request to an HTTPS server/i;

export function checkStatus(response: HttpResponse, asked: Asked, hadCredentials: boolean): void {
  const status = response.status;
  if (status >= 200 && status < 300) return;
  const text = registryErrorText(response.body);
  const suffix = text === undefined ? `HTTP ${status}` : `HTTP ${status}, ${text}`;
  let message = `${asked.what}: ${suffix}`;
  if (status === 401) {
    message = hadCredentials
      ? `${asked.what}: registry ${asked.registry} rejected the credentials (${suffix})`
      : `${asked.what}: registry ${asked.registry} requires credentials (${suffix})`;
  } else if (status === 404) {
    message = `${asked.what}: not found (${suffix})`;
  } else if (status >= 300 && status < 400) {
    message = `${asked.what}: unexpected redirect (${suffix})`;
  } else if (status === 400 && HTTP_TO_HTTPS.test(response.body.toString('latin1', 0, 512))) {
    // Go's HTTPS servers answer a plain-HTTP request so; a loopback or --insecure-registries host is plain HTTP.
    message = `${asked.what}: registry ${asked.registry} speaks HTTPS, but was asked over plain HTTP (${suffix}); give the ImagePolicy a spec.certSecretRef or list the host in --tls-registries`;
  }
  throw new RegistryError(codeForStatus(status), message, {
    registry: asked.registry,
    repository: asked.repository,
    status,
  });
}

/** The target of the `rel="next"` link in a `Link` header (RFC 8288), or undefined. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return undefined;
  for (const match of text.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]*)*)/g)) {
    const params = match[2] ?? '';
    for (const param of params.matchAll(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/gi)) {
      const rels = (param[1] ?? param[2] ?? '').toLowerCase().split(/\s+/);
      if (rels.includes('next')) return match[1];
    }
  }
  return undefined;
}

/** Throws `INVALID_RESPONSE` when a sha256 digest does not match the bytes (other algorithms are not checked). */
export function verifyDigest(body: Buffer, digest: string, asked: Asked): void {
  if (!digest.startsWith('sha256:')) return;
  const actual = sha256Digest(body);
  if (actual === digest) return;
  throw new RegistryError(
    'INVALID_RESPONSE',
    `${asked.what}: content digest ${actual} does not match ${digest}`,
    {
      registry: asked.registry,
      repository: asked.repository,
    },
  );
}

/** The sha256 digest of the bytes. */
export function sha256Digest(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * The path of the next page; a link to another origin is refused (FOREIGN_LINK) before anything is
 * sent there. A link that leaves the tags list we asked for (Artifactory drops the virtual
 * repository's key; quirks.ts) continues on our own path with the link's `last`.
 */
export function nextPagePath(
  origin: string,
  currentPath: string,
  link: string,
  asked: Asked,
  headers: HttpResponse['headers'] = {},
): string {
  const details = { registry: asked.registry, repository: asked.repository };
  let url: URL;
  try {
    url = new URL(link, origin + currentPath);
  } catch (cause) {
    throw new RegistryError('INVALID_RESPONSE', `${asked.what}: malformed Link header`, {
      ...details,
      cause,
    });
  }
  if (url.origin !== origin) {
    throw new RegistryError(
      'FOREIGN_LINK',
      `${asked.what}: the next-page link points to ${url.origin}; not followed`,
      details,
    );
  }
  const ourPath = new URL(currentPath, origin).pathname;
  if (url.pathname === ourPath && !isArtifactory(headers)) return url.pathname + url.search;
  const reanchored = artifactoryNextPage(currentPath, url);
  if (reanchored === undefined) {
    throw new RegistryError(
      'INVALID_RESPONSE',
      `${asked.what}: the next-page link leaves ${ourPath} (${url.pathname}) and has no \`last\` to continue with`,
      details,
    );
  }
  return reanchored;
}
