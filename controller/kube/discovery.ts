import type { KubeClient } from './client.ts';
import { isKubeError, KubeError } from './errors.ts';
import { isRecord, joinApiVersion, type ResourceInfo, splitApiVersion } from './types.ts';

/** Options of the discovery cache. */
export interface DiscoveryOptions {
  /** A kind missing from a cached group/version is looked up again after this long. Default 1 s. */
  missRefreshMs?: number;
  /** Clock. Default `Date.now`. */
  now?: () => number;
}

interface CachedGroupVersion {
  kinds: Promise<Map<string, ResourceInfo>>;
  at: number;
}

/**
 * API discovery, cached per group/version: apiVersion + kind → resource name and scope. A kind
 * that is missing is looked up again (at most once per `missRefreshMs`), so a CRD that was just
 * established becomes known without a restart.
 */
export class Discovery {
  readonly #client: KubeClient;
  readonly #missRefreshMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, CachedGroupVersion>();

  constructor(client: KubeClient, options: DiscoveryOptions = {}) {
    this.#client = client;
    this.#missRefreshMs = options.missRefreshMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The resource of a kind, or undefined when the API server does not serve it. */
  async find(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const cached = this.#cache.get(apiVersion);
    const hit = cached ? (await cached.kinds).get(kind) : undefined;
    if (hit) return hit;
    if (cached && this.#now() - cached.at < this.#missRefreshMs) return undefined;
    return (await this.#load(apiVersion)).get(kind);
  }

  /** Like `find`, but an unknown kind throws `KubeError` with code `UnknownKind`. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await this.find(apiVersion, kind);
    if (info) return info;
    throw new KubeError('UnknownKind', `the API server does not serve kind ${kind} in ${apiVersion}`, {
      retryable: true,
    });
  }

  /** Drops what is known about a group/version (e.g. after a CRD for it was established). */
  forget(apiVersion: string): void {
    this.#cache.delete(apiVersion);
  }

  #load(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const kinds = this.#fetch(apiVersion);
    const entry: CachedGroupVersion = { kinds, at: this.#now() };
    this.#cache.set(apiVersion, entry);
    // A failed lookup must not stay cached: the next call tries again.
    kinds.catch(() => {
      if (this.#cache.get(apiVersion) === entry) this.#cache.delete(apiVersion);
    });
    return kinds;
  }

  async #fetch(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const { group, version } = splitApiVersion(apiVersion);
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    let list: unknown;
    try {
      list = await this.#client.request({ method: 'GET', path, what: `discover ${apiVersion}` });
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return new Map();
      throw error;
    }
    return parseResourceList(list, group, version);
  }
}

/** Kinds of an `APIResourceList`, subresources left out. */
export function parseResourceList(list: unknown, group: string, version: string): Map<string, ResourceInfo> {
  const kinds = new Map<string, ResourceInfo>();
  const resources = isRecord(list) && Array.isArray(list.resources) ? list.resources : [];
  for (const resource of resources) {
    if (!isRecord(resource)) continue;
    const { name, kind, namespaced } = resource;
    if (typeof name !== 'string' || typeof kind !== 'string' || name.includes('/')) continue;
    if (kinds.has(kind)) continue;
    kinds.set(kind, { group, version, kind, resource: name, namespaced: namespaced === true });
  }
  return kinds;
}

/** The URL path of a resource collection or of one object in it. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  const base = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const scoped = info.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}` : base;
  const collection = `${scoped}/${info.resource}`;
  return name === undefined ? collection : `${collection}/${encodeURIComponent(name)}`;
}

/** The apiVersion of a resource. */
export function apiVersionOf(info: ResourceInfo): string {
  return joinApiVersion(info.group, info.version);
}
