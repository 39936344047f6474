/**
 * The OCI distribution client: tags, digests and build times of images, over one keep-alive undici
 * dispatcher, with per-host limits, retries, timeouts, the auth flow and the metadata cache.
 * Credentials are handed in (a `CredentialProvider`, per client or per call); this module knows
 * nothing about Kubernetes.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import { mapLimit } from '../controller/util/map-limit.ts';
import { type ConnectOption, TlsAgents, tlsConnector } from '../controller/util/tls-agents.ts';
import { hasTlsSettings } from '../controller/util/tls-settings.ts';
import { Authenticator, type AuthTarget } from './auth.ts';
import type {
  CallOptions,
  CreatedTimes,
  ImageCreatedOptions,
  ImageMetadata,
  ListTagsOptions,
  RegistryClientOptions,
} from './client-types.ts';
import type { CredentialProvider } from './credentials.ts';
import { isRegistryError, RegistryError } from './errors.ts';
import { fetchImage, type ImageFetcher } from './image-metadata.ts';
import { HostLimiter } from './limits.ts';
import { formatPlatform, MANIFEST_ACCEPT, parsePlatform } from './manifest.ts';
import { MetadataCache, tagKey } from './metadata-cache.ts';
import { countsPulls, tagPageSize } from './quirks.ts';
import { type ImageReference, parseReference, registryOrigin, withTag } from './reference.ts';
import { RegistryRequester } from './requester.ts';
import { type Asked, nextLink, nextPagePath, sha256Digest } from './responses.ts';
import { parseJson, tagListSchema } from './schemas.ts';
import { TokenCache } from './token-cache.ts';
import { type HttpResponse, headerValue, Transport } from './transport.ts';

const DIGEST_HEADER = 'docker-content-digest';
/** The `n` asked again when a registry refuses a larger one (every registry we know takes 1,000). */
const SMALL_TAG_PAGE = 1000;

function toReference(image: string | ImageReference): ImageReference {
  return typeof image === 'string' ? parseReference(image) : image;
}

function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Talks to OCI registries; see the module comment. One instance per process is the intended use. */
export class RegistryClient {
  /** The metadata cache, for `saveMetadataCache` and webhook invalidation. */
  readonly cache: MetadataCache;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #requester: RegistryRequester;
  readonly #credentials: CredentialProvider | undefined;
  readonly #insecureHosts: readonly string[];
  readonly #tlsHosts: readonly string[];
  readonly #tlsAgents: TlsAgents;
  readonly #now: () => number;
  readonly #tagMaxAgeMs: number;
  readonly #concurrency: number;
  readonly #headFirst: (registry: string) => boolean;
  readonly #inflight = new Map<string, Promise<ImageMetadata>>();
  readonly #configsInFlight = new Map<string, Promise<number | null>>();
  readonly #imagesInFlight = new Map<string, Promise<ImageMetadata>>();

  constructor(options: RegistryClientOptions = {}) {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? ((ms: number) => delay(ms));
    this.#concurrency = options.limits?.concurrency ?? 16;
    this.#ownsDispatcher = options.dispatcher === undefined;
    const makeAgent = (connect: ConnectOption) =>
      new Agent({ keepAliveTimeout: 30_000, connections: this.#concurrency, allowH2: true, connect });
    this.#dispatcher = options.dispatcher ?? makeAgent(tlsConnector(undefined, options.extraCa));
    this.#tlsAgents = new TlsAgents({
      shared: this.#dispatcher,
      make: makeAgent,
      extraCa: options.extraCa,
      onInsecureConnection: options.onInsecureConnection,
    });
    const transport = new Transport({
      dispatcher: this.#dispatcher,
      dispatcherFor: (tls) => this.#tlsAgents.get(tls),
      limiter: new HostLimiter(options.limits ?? {}, { now, sleep }),
      retry: options.retry ?? {},
      timeoutMs: options.timeoutMs ?? 30_000,
      maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024,
      now,
      sleep,
      random: options.random ?? Math.random,
      onRequest: options.onRequest,
    });
    this.#insecureHosts = options.insecureHosts ?? [];
    this.#tlsHosts = options.tlsHosts ?? [];
    const auth = new Authenticator({
      transport,
      tokens: new TokenCache({ now, marginMs: options.tokenMarginMs ?? 10_000 }),
      now,
      insecureHosts: this.#insecureHosts,
    });
    this.#requester = new RegistryRequester(transport, auth);
    this.#credentials = options.credentials;
    this.#now = now;
    this.#tagMaxAgeMs = options.tagMaxAgeMs ?? 3_600_000;
    this.#headFirst = options.headFirst ?? countsPulls;
    this.cache = options.cache ?? new MetadataCache();
  }

  /** Every tag of the repository, in registry order, following `Link rel="next"` on the registry's origin only. */
  async listTags(image: string | ImageReference, options: ListTagsOptions = {}): Promise<string[]> {
    const ref = toReference(image);
    const maxTags = options.maxTags ?? 100_000;
    const pageSize = tagPageSize(ref.registry, options.pageSize);
    // A host with small pages (Quay: 100) must still reach the tag cap before the page cap.
    const maxPages = options.maxPages ?? Math.max(500, Math.ceil(maxTags / pageSize));
    const target = this.#target(ref, options);
    const asked: Asked = {
      registry: ref.registry,
      repository: ref.repository,
      what: `tags of ${repositoryName(ref)}`,
    };
    const tags: string[] = [];
    let { path, response } = await this.#firstTagPage(target, ref.repository, pageSize, asked);
    for (let page = 1; ; page++) {
      const body = parseJson(tagListSchema, response.body, {
        ...asked,
        what: `${asked.what} (page ${page})`,
      });
      for (const tag of body.tags ?? []) tags.push(tag);
      if (tags.length > maxTags) throw tooMany(asked, `more than ${maxTags} tags`);
      const link = nextLink(response.headers.link);
      if (link === undefined) return tags;
      if (page >= maxPages) throw tooMany(asked, `more than ${maxPages} pages`);
      path = nextPagePath(target.origin, path, link, asked, response.headers);
      response = await this.#requester.request(target, 'GET', path, 'application/json', asked);
    }
  }

  /**
   * The first tags page, asked with `n=pageSize`. A registry that refuses a large `n` with a 400
   * (GitLab's metadata database allows at most 1,000) is asked once more with `n=1000`.
   */
  async #firstTagPage(
    target: AuthTarget,
    repository: string,
    pageSize: number,
    asked: Asked,
  ): Promise<{ path: string; response: HttpResponse }> {
    const path = `/v2/${repository}/tags/list?n=${pageSize}`;
    try {
      return {
        path,
        response: await this.#requester.request(target, 'GET', path, 'application/json', asked),
      };
    } catch (error) {
      if (!isRegistryError(error) || error.status !== 400 || pageSize <= SMALL_TAG_PAGE) throw error;
      const smaller = `/v2/${repository}/tags/list?n=${SMALL_TAG_PAGE}`;
      return {
        path: smaller,
        response: await this.#requester.request(target, 'GET', smaller, 'application/json', asked),
      };
    }
  }

  /** The digest a tag (default `latest`) points to now: one HEAD, never served from the cache; a reference with a digest returns it as is. */
  async getDigest(image: string | ImageReference, options: CallOptions = {}): Promise<string> {
    const ref = toReference(image);
    if (ref.digest !== undefined) return ref.digest;
    const tag = ref.tag ?? 'latest';
    const target = this.#target(ref, options);
    const asked: Asked = {
      registry: ref.registry,
      repository: ref.repository,
      what: `manifest ${repositoryName(ref)}:${tag}`,
    };
    const path = `/v2/${ref.repository}/manifests/${tag}`;
    const key = tagKey(ref.registry, ref.repository, tag);
    let head: HttpResponse;
    try {
      head = await this.#requester.request(target, 'HEAD', path, MANIFEST_ACCEPT, asked);
    } catch (error) {
      if (isRegistryError(error, 'NOT_FOUND')) this.cache.deleteTag(key);
      throw error;
    }
    let digest = headerValue(head.headers, DIGEST_HEADER);
    if (digest === undefined) {
      // Some registries leave the header out of HEAD answers: hash the manifest instead.
      digest = sha256Digest(
        (await this.#requester.request(target, 'GET', path, MANIFEST_ACCEPT, asked)).body,
      );
    }
    this.cache.setTag(key, { digest, checkedAt: this.#now() });
    return digest;
  }

  /**
   * The build time (`created`) of an image (tag default `latest`), for `platform` when the tag is a multi-arch index.
   * Served from the cache without any request while the tag's digest is fresh (`tagMaxAgeMs`);
   * a stale tag costs one HEAD; manifests and configs are fetched only for digests not seen before.
   */
  async getImageCreated(
    image: string | ImageReference,
    options: ImageCreatedOptions = {},
  ): Promise<ImageMetadata> {
    const ref = toReference(image);
    const platform = formatPlatform(parsePlatform(options.platform ?? 'linux/amd64'));
    const key = `${ref.digest ?? tagKey(ref.registry, ref.repository, ref.tag ?? 'latest')} ${platform}`;
    const running = this.#inflight.get(key);
    if (running !== undefined) return running;
    const work = this.#imageCreated(ref, platform, options).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, work);
    return work;
  }

  /** Build times of many tags of one repository, `concurrency` at a time; fails on the first error but NOT_FOUND. */
  async getCreatedTimes(
    image: string | ImageReference,
    tags: readonly string[],
    options: ImageCreatedOptions = {},
  ): Promise<CreatedTimes> {
    const ref = toReference(image);
    const result: CreatedTimes = { created: new Map(), notFound: new Map() };
    await mapLimit(tags, this.#concurrency, async (tag) => {
      try {
        const meta = await this.getImageCreated(withTag(ref, tag), options);
        if (meta.created !== undefined) result.created.set(tag, meta.created);
      } catch (error) {
        if (!isRegistryError(error, 'NOT_FOUND')) throw error;
        result.notFound.set(tag, error);
      }
    });
    return result;
  }

  /** The tags whose digest the metadata cache knows, so a build-time lookup makes no manifest GET for them (at most a HEAD). */
  knownTags(image: string | ImageReference, tags: readonly string[]): Set<string> {
    const ref = toReference(image);
    const known = new Set<string>();
    for (const tag of tags)
      if (this.cache.getTag(tagKey(ref.registry, ref.repository, tag)) !== undefined) known.add(tag);
    return known;
  }

  /** Forgets where a tag points (e.g. a registry webhook announced a push), so the next lookup revalidates. */
  forgetTag(image: string | ImageReference): void {
    const ref = toReference(image);
    this.cache.deleteTag(tagKey(ref.registry, ref.repository, ref.tag ?? 'latest'));
  }

  /** Closes the dispatcher if the client created it; a passed-in dispatcher is left to its owner. */
  async close(): Promise<void> {
    await this.#tlsAgents.close();
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #imageCreated(
    ref: ImageReference,
    platform: string,
    options: ImageCreatedOptions,
  ): Promise<ImageMetadata> {
    const fetcher = this.#fetcher(ref, options);
    if (ref.digest !== undefined) return fetchImage(fetcher, ref.digest, platform, undefined);
    const tag = ref.tag ?? 'latest';
    const key = tagKey(ref.registry, ref.repository, tag);
    const known = this.cache.getTag(key);
    if (known !== undefined) {
      const fresh = !options.revalidate && this.#now() - known.checkedAt < this.#tagMaxAgeMs;
      const digest = fresh ? known.digest : await this.getDigest(withTag(ref, tag), options);
      return this.#imageByDigest(fetcher, digest, platform);
    }
    if (this.#headFirst(ref.registry)) {
      // First sight where GETs are pulls: a HEAD names the digest, often one already known.
      const digest = await this.getDigest(withTag(ref, tag), options);
      return this.#imageByDigest(fetcher, digest, platform);
    }
    // First sight of the tag: one GET gives both the digest and the manifest.
    const asked: Asked = {
      registry: ref.registry,
      repository: ref.repository,
      what: `manifest ${repositoryName(ref)}:${tag}`,
    };
    const response = await this.#requester.request(
      this.#target(ref, options),
      'GET',
      `/v2/${ref.repository}/manifests/${tag}`,
      MANIFEST_ACCEPT,
      asked,
    );
    const digest = headerValue(response.headers, DIGEST_HEADER) ?? sha256Digest(response.body);
    const meta = await fetchImage(fetcher, digest, platform, response);
    this.cache.setTag(key, { digest, checkedAt: this.#now() });
    return meta;
  }

  /** `fetchImage` by digest, shared by the tags that name the same image at the same time. */
  #imageByDigest(fetcher: ImageFetcher, digest: string, platform: string): Promise<ImageMetadata> {
    const key = `${fetcher.ref.registry}/${fetcher.ref.repository}@${digest} ${platform}`;
    const running = this.#imagesInFlight.get(key);
    if (running !== undefined) return running;
    const work = fetchImage(fetcher, digest, platform, undefined).finally(() =>
      this.#imagesInFlight.delete(key),
    );
    this.#imagesInFlight.set(key, work);
    return work;
  }

  #fetcher(ref: ImageReference, options: CallOptions): ImageFetcher {
    const target = this.#target(ref, options);
    return {
      ref,
      cache: this.cache,
      configsInFlight: this.#configsInFlight,
      get: (path, accept, asked) => this.#requester.request(target, 'GET', path, accept, asked),
    };
  }

  #target(ref: ImageReference, options: CallOptions): AuthTarget {
    const tls = hasTlsSettings(options.tls) ? options.tls : undefined;
    return {
      registry: ref.registry,
      origin: registryOrigin(ref.registry, this.#insecureHosts, {
        tlsHosts: this.#tlsHosts,
        tls: tls !== undefined,
      }),
      repository: ref.repository,
      scope: `repository:${ref.repository}:pull`,
      credentials: options.credentials ?? this.#credentials,
      ...(tls ? { tls } : {}),
    };
  }
}

function tooMany(asked: Asked, what: string): RegistryError {
  return new RegistryError(
    'TOO_MANY_TAGS',
    `${asked.what}: ${what}; raise the limit or narrow the repository`,
    {
      registry: asked.registry,
      repository: asked.repository,
    },
  );
}
