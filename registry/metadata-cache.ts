/**
 * What the client remembers about images, in two bounded LRU maps:
 * - tags: `registry/repository:tag` → the digest it pointed to and when that was checked. Tags
 *   are mutable, so an entry is trusted only for `tagMaxAgeMs` (client option), then revalidated
 *   with one HEAD; a registry webhook or `revalidate: true` forces that earlier.
 * - images: manifest digest (plus the platform, for an index) → the config's `created`. Content
 *   addressed, so it never goes stale; only the LRU bound evicts it.
 * A re-scan with no new tags therefore makes no manifest or config request at all, and a re-pushed
 * tag costs one HEAD (plus the GETs only when its content is new). Both maps can be saved to a JSON
 * file and loaded at start, so a restart neither refetches nor misorders.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { RegistryError } from './errors.ts';

/** Where a tag pointed when it was last checked. */
export interface TagEntry {
  readonly digest: string;
  /** Milliseconds since the epoch. */
  readonly checkedAt: number;
}

/** What is known about one image (one platform of an index). */
export interface ImageEntry {
  /** The config's `created`, ms since the epoch; null when the config has none. */
  readonly created: number | null;
  /** The platform manifest's digest, when the digest named an index. */
  readonly platformDigest?: string | undefined;
}

/** Bounds of a MetadataCache. */
export interface MetadataCacheOptions {
  /** Tag → digest entries kept. Default 50,000. */
  readonly maxTags?: number;
  /** Digest → created entries kept. Default 50,000. */
  readonly maxImages?: number;
}

/** A Map used as an LRU: reads move an entry to the end, inserts past the bound drop the front. */
class Lru<V> {
  readonly #max: number;
  readonly map = new Map<string, V>();

  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size <= this.#max) return;
    const oldest = this.map.keys().next();
    if (!oldest.done) this.map.delete(oldest.value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

const snapshotSchema = z.object({
  version: z.literal(1),
  tags: z.array(z.tuple([z.string(), z.string(), z.number()])),
  images: z.array(z.tuple([z.string(), z.number().nullable(), z.string().optional()])),
});

/** The JSON form of a MetadataCache (oldest entries first). */
export type MetadataCacheSnapshot = z.infer<typeof snapshotSchema>;

/** The key of a tag in the tags map. */
export function tagKey(registry: string, repository: string, tag: string): string {
  return `${registry}/${repository}:${tag}`;
}

/** Bounded tag → digest and digest → created maps; see the module comment. */
export class MetadataCache {
  readonly #tags: Lru<TagEntry>;
  readonly #images: Lru<ImageEntry>;

  constructor(options: MetadataCacheOptions = {}) {
    this.#tags = new Lru(options.maxTags ?? 50_000);
    this.#images = new Lru(options.maxImages ?? 50_000);
  }

  /** The last known digest of a tag (`tagKey`). */
  getTag(key: string): TagEntry | undefined {
    return this.#tags.get(key);
  }

  /** Records where a tag points now. */
  setTag(key: string, entry: TagEntry): void {
    this.#tags.set(key, entry);
  }

  /** Forgets a tag, e.g. on a registry webhook saying it was pushed or deleted. */
  deleteTag(key: string): void {
    this.#tags.delete(key);
  }

  /** What is known about a manifest digest: a single image, or (with `platform`) that platform of an index. */
  getImage(digest: string, platform?: string): ImageEntry | undefined {
    const single = this.#images.get(digest);
    if (single !== undefined || platform === undefined) return single;
    return this.#images.get(`${digest} ${platform}`);
  }

  /** Records a single-platform image (`platform` undefined) or one platform of an index. */
  setImage(digest: string, platform: string | undefined, entry: ImageEntry): void {
    this.#images.set(platform === undefined ? digest : `${digest} ${platform}`, entry);
  }

  /** Entry counts. */
  get size(): { readonly tags: number; readonly images: number } {
    return { tags: this.#tags.map.size, images: this.#images.map.size };
  }

  /** A JSON-serialisable copy, oldest entries first so that loading keeps the LRU order. */
  toJSON(): MetadataCacheSnapshot {
    const tags: MetadataCacheSnapshot['tags'] = [];
    for (const [key, e] of this.#tags.map) tags.push([key, e.digest, e.checkedAt]);
    const images: MetadataCacheSnapshot['images'] = [];
    for (const [key, e] of this.#images.map) {
      images.push(e.platformDigest === undefined ? [key, e.created] : [key, e.created, e.platformDigest]);
    }
    return { version: 1, tags, images };
  }

  /** Rebuilds a cache from `toJSON` output; throws `INVALID_CONFIG` when the shape is wrong. */
  static fromJSON(json: unknown, options: MetadataCacheOptions = {}): MetadataCache {
    const parsed = snapshotSchema.safeParse(json);
    if (!parsed.success) {
      throw new RegistryError('INVALID_CONFIG', 'registry metadata cache: unexpected content', {
        cause: parsed.error,
      });
    }
    const cache = new MetadataCache(options);
    for (const [key, digest, checkedAt] of parsed.data.tags) cache.#tags.set(key, { digest, checkedAt });
    for (const [key, created, platformDigest] of parsed.data.images) {
      cache.#images.set(key, platformDigest === undefined ? { created } : { created, platformDigest });
    }
    return cache;
  }
}

/**
 * Loads a cache saved by `saveMetadataCache`. A missing file gives an empty cache; a file that is
 * not a cache throws `INVALID_CONFIG` (the caller decides whether to start empty and say so).
 */
export async function loadMetadataCache(
  path: string,
  options: MetadataCacheOptions = {},
): Promise<MetadataCache> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT')
      return new MetadataCache(options);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new RegistryError('INVALID_CONFIG', `registry metadata cache ${path}: not JSON`, { cause });
  }
  return MetadataCache.fromJSON(json, options);
}

/** Writes the cache to `path` atomically (a temporary file renamed over it), creating the directory. */
export async function saveMetadataCache(cache: MetadataCache, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(cache.toJSON()));
  await rename(temporary, path);
}
