// Verifies that a webhook request comes from someone who knows the shared secret. Senders differ
// in how they prove it, so every scheme a supported sender uses is accepted, but each credential
// a request presents must be valid, and a request that presents none is refused.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** How far a signed timestamp may be from our clock before the request counts as stale. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Everything verification looks at. */
export interface SignedRequest {
  headers: IncomingHttpHeaders;
  /** The raw body bytes, exactly as received (HMACs are computed over them). */
  body: Buffer;
  /** The query string (Docker Hub cannot send headers, only a URL: `?token=<secret>`). */
  query: URLSearchParams;
}

/** Why a request was refused. */
export type RejectionReason = 'unsigned' | 'bad-signature' | 'stale';

/** The verdict on one request: the schemes that proved it, or why it was refused. */
export type Verification =
  | { ok: true; schemes: string[] }
  | { ok: false; reason: RejectionReason; message: string };

/** The verdict on a request's headers alone: refused, or go on (reading the body when a signature needs it). */
export type HeaderVerification =
  | { ok: true; needsBody: boolean }
  | { ok: false; reason: RejectionReason; message: string };

interface Credential {
  scheme: string;
  /** Undefined for a body signature not checked yet (the body is not read). */
  valid: boolean | undefined;
}

/**
 * Checks what can be checked before the body is read: a stale timestamp, a missing credential and
 * every shared-secret token are refused at once, so that an unauthenticated sender never makes us
 * read (or buffer) a body. A request with only body signatures needs the body: `needsBody`.
 */
export function verifyWebhookHeaders(
  request: Omit<SignedRequest, 'body'>,
  secret: string,
  now: () => number = Date.now,
): HeaderVerification {
  const verdict = verifyCredentials({ ...request, body: undefined }, secret, now);
  if (!verdict.ok) return verdict;
  return { ok: true, needsBody: verdict.pending };
}

/**
 * Checks a request against `secret`. Accepted proofs: `Authorization: Bearer <secret>`,
 * `X-Tagpilot-Token`, `X-Gitlab-Token`, `?token=` (shared secret); `X-Hub-Signature-256:
 * sha256=<hex>` (GitHub, Gitea), `X-Gitea-Signature`/`X-Gogs-Signature: <hex>` (HMAC-SHA256 of
 * the body); `X-Tagpilot-Signature: sha256=<hex>` over `<X-Tagpilot-Timestamp>.<body>`. A request
 * with an `X-Tagpilot-Timestamp` more than five minutes off is stale.
 */
export function verifyWebhook(
  request: SignedRequest,
  secret: string,
  now: () => number = Date.now,
): Verification {
  const verdict = verifyCredentials(request, secret, now);
  return verdict.ok ? { ok: true, schemes: verdict.schemes } : verdict;
}

function verifyCredentials(
  request: Omit<SignedRequest, 'body'> & { body: Buffer | undefined },
  secret: string,
  now: () => number,
):
  | { ok: true; schemes: string[]; pending: boolean }
  | { ok: false; reason: RejectionReason; message: string } {
  const timestamp = header(request.headers, 'x-tagpilot-timestamp');
  if (timestamp !== undefined) {
    const stale = checkTimestamp(timestamp, now());
    if (stale) return { ok: false, reason: 'stale', message: stale };
  }
  const credentials = presentedCredentials(request, secret, timestamp);
  if (credentials.length === 0) {
    return {
      ok: false,
      reason: 'unsigned',
      message:
        'no shared secret or signature (Authorization: Bearer, X-Tagpilot-Token, X-Hub-Signature-256, …)',
    };
  }
  const invalid = credentials.filter((credential) => credential.valid === false).map((c) => c.scheme);
  if (invalid.length > 0) {
    return { ok: false, reason: 'bad-signature', message: `invalid ${invalid.join(', ')}` };
  }
  return {
    ok: true,
    schemes: credentials.map((credential) => credential.scheme),
    pending: credentials.some((credential) => credential.valid === undefined),
  };
}

/** HMAC-SHA256 of `payload` with `secret`, hex encoded (what GitHub and Gitea send). */
export function hmacHex(secret: string, payload: Buffer | string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

function presentedCredentials(
  request: Omit<SignedRequest, 'body'> & { body: Buffer | undefined },
  secret: string,
  timestamp: string | undefined,
): Credential[] {
  const { headers, body } = request;
  const credentials: Credential[] = [];
  const token = (scheme: string, value: string | undefined | null) => {
    if (value !== undefined && value !== null) credentials.push({ scheme, valid: sameSecret(value, secret) });
  };
  const hmac = (scheme: string, value: string | undefined, payload: Buffer | undefined, prefix: string) => {
    if (value === undefined) return;
    const hex = value.startsWith(prefix) ? value.slice(prefix.length) : undefined;
    if (hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) credentials.push({ scheme, valid: false });
    else credentials.push({ scheme, valid: payload && sameHmac(hex, hmacHex(secret, payload)) });
  };
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined && /^bearer /i.test(authorization)) {
    token('Authorization: Bearer', authorization.slice('bearer '.length).trim());
  }
  token('X-Tagpilot-Token', header(headers, 'x-tagpilot-token'));
  token('X-Gitlab-Token', header(headers, 'x-gitlab-token'));
  token('token query parameter', request.query.get('token'));
  hmac('X-Hub-Signature-256', header(headers, 'x-hub-signature-256'), body, 'sha256=');
  hmac('X-Gitea-Signature', header(headers, 'x-gitea-signature'), body, '');
  hmac('X-Gogs-Signature', header(headers, 'x-gogs-signature'), body, '');
  const tagpilotSignature = header(headers, 'x-tagpilot-signature');
  if (tagpilotSignature !== undefined) {
    // Signing the timestamp with the body is what makes a replayed request detectable.
    const signed = body && Buffer.concat([Buffer.from(`${timestamp ?? ''}.`), body]);
    if (timestamp === undefined) credentials.push({ scheme: 'X-Tagpilot-Signature', valid: false });
    else hmac('X-Tagpilot-Signature', tagpilotSignature, signed, 'sha256=');
  }
  return credentials;
}

/** Returns a message when `value` (Unix seconds) is not within MAX_CLOCK_SKEW_MS of `nowMs`. */
function checkTimestamp(value: string, nowMs: number): string | undefined {
  if (!/^\d{1,12}$/.test(value)) return `X-Tagpilot-Timestamp "${value}" is not Unix seconds`;
  const skew = nowMs - Number(value) * 1000;
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS) return undefined;
  return `X-Tagpilot-Timestamp is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'old' : 'in the future'} (limit ${MAX_CLOCK_SKEW_MS / 1000} s)`;
}

/** Compares digests of both values, so neither the secret's length nor its bytes leak through timing. */
function sameSecret(presented: string, secret: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

function sameHmac(presentedHex: string, expectedHex: string): boolean {
  if (!/^[0-9a-f]{64}$/i.test(presentedHex)) return false;
  return timingSafeEqual(Buffer.from(presentedHex, 'hex'), Buffer.from(expectedHex, 'hex'));
}

/** One header's value; a repeated header counts as its first value. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
