/**
 * From a manifest digest to the image's `created`: the manifest (and, for an index, the chosen
 * platform's manifest), then the config blob. Every step is content-addressed, checked against its
 * digest, and cached by digest, so it is done once per image for the life of the cache.
 */
import { RegistryError } from './errors.ts';
import { formatPlatform, MANIFEST_ACCEPT, parseManifest, parsePlatform, selectPlatform } from './manifest.ts';
import type { ImageEntry, MetadataCache } from './metadata-cache.ts';
import type { ImageReference } from './reference.ts';
import { type Asked, verifyDigest } from './responses.ts';
import { imageConfigSchema, parseJson } from './schemas.ts';
import { type HttpResponse, headerValue } from './transport.ts';

/** What `fetchImage` needs from the client: the repository, the cache and an authenticated GET. */
export interface ImageFetcher {
  readonly ref: ImageReference;
  readonly cache: MetadataCache;
  /** An authenticated GET on the registry origin; non-2xx answers throw. */
  readonly get: (path: string, accept: string, asked: Asked) => Promise<HttpResponse>;
  /**
   * Config reads in flight, by `registry/repository@digest`: tags of one image read at once share
   * one blob GET instead of making one each. Default: none shared.
   */
  readonly configsInFlight?: Map<string, Promise<number | null>>;
}

/** The result: see `ImageMetadata` in client.ts. */
export interface FetchedImage {
  readonly digest: string;
  readonly created: Date | undefined;
  readonly platformDigest: string | undefined;
}

function asked(f: ImageFetcher, what: string): Asked {
  return { registry: f.ref.registry, repository: f.ref.repository, what };
}

function result(digest: string, entry: ImageEntry): FetchedImage {
  return {
    digest,
    created: entry.created === null ? undefined : new Date(entry.created),
    platformDigest: entry.platformDigest,
  };
}

async function getManifest(f: ImageFetcher, digest: string, response: HttpResponse | undefined) {
  const a = asked(f, `manifest ${f.ref.registry}/${f.ref.repository}@${digest}`);
  const res = response ?? (await f.get(`/v2/${f.ref.repository}/manifests/${digest}`, MANIFEST_ACCEPT, a));
  verifyDigest(res.body, digest, a);
  return parseManifest(res.body, headerValue(res.headers, 'content-type'), a);
}

function getCreated(f: ImageFetcher, configDigest: string): Promise<number | null> {
  const shared = f.configsInFlight;
  if (shared === undefined) return readCreated(f, configDigest);
  const key = `${f.ref.registry}/${f.ref.repository}@${configDigest}`;
  const running = shared.get(key);
  if (running !== undefined) return running;
  const work = readCreated(f, configDigest).finally(() => shared.delete(key));
  shared.set(key, work);
  return work;
}

async function readCreated(f: ImageFetcher, configDigest: string): Promise<number | null> {
  const a = asked(f, `image config ${f.ref.registry}/${f.ref.repository}@${configDigest}`);
  const res = await f.get(`/v2/${f.ref.repository}/blobs/${configDigest}`, 'application/json, */*', a);
  verifyDigest(res.body, configDigest, a);
  const config = parseJson(imageConfigSchema, res.body, a);
  if (config.created === undefined) return null;
  const created = Date.parse(config.created);
  if (Number.isNaN(created)) {
    throw new RegistryError('INVALID_RESPONSE', `${a.what}: "created" is not a date`, {
      registry: a.registry,
      repository: a.repository,
    });
  }
  return created;
}

/** `created` of a single-platform manifest, cached by its digest. */
async function imageCreated(
  f: ImageFetcher,
  digest: string,
  response: HttpResponse | undefined,
): Promise<number | null> {
  const cached = f.cache.getImage(digest);
  if (cached !== undefined) return cached.created;
  const manifest = await getManifest(f, digest, response);
  if (manifest.kind !== 'image') {
    throw new RegistryError(
      'INVALID_RESPONSE',
      `manifest ${f.ref.repository}@${digest}: an index inside an index`,
      {
        registry: f.ref.registry,
        repository: f.ref.repository,
      },
    );
  }
  const created = await getCreated(f, manifest.configDigest);
  f.cache.setImage(digest, undefined, { created });
  return created;
}

/**
 * The build time behind a manifest digest (for `platform` when it is an index), from the cache or
 * fetched; `response` is the manifest when the caller already has it (a GET by tag).
 */
export async function fetchImage(
  f: ImageFetcher,
  digest: string,
  platform: string,
  response: HttpResponse | undefined,
): Promise<FetchedImage> {
  const cached = f.cache.getImage(digest, platform);
  if (cached !== undefined) return result(digest, cached);
  const manifest = await getManifest(f, digest, response);
  if (manifest.kind === 'image') {
    const created = await getCreated(f, manifest.configDigest);
    f.cache.setImage(digest, undefined, { created });
    return result(digest, { created });
  }
  const child = selectPlatform(manifest, parsePlatform(platform));
  if (child === undefined) {
    const offered = manifest.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []));
    throw new RegistryError(
      'NOT_FOUND',
      `${f.ref.registry}/${f.ref.repository}@${digest}: no image for platform ${platform} (offered: ${offered.join(', ') || 'none'})`,
      { registry: f.ref.registry, repository: f.ref.repository },
    );
  }
  const created = await imageCreated(f, child, undefined);
  const entry: ImageEntry = { created, platformDigest: child };
  f.cache.setImage(digest, platform, entry);
  return result(digest, entry);
}
