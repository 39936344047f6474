// The options and answers of RegistryClient (registry/client.ts), apart from the client itself.

import type { Dispatcher } from 'undici';
import type { TlsSettings } from '../controller/util/tls-settings.ts';
import type { CredentialProvider } from './credentials.ts';
import type { RegistryError } from './errors.ts';
import type { LimitOptions, RetryOptions } from './limits.ts';
import type { MetadataCache } from './metadata-cache.ts';
import type { RegistryRequestObserver } from './request-events.ts';

/** Options of a RegistryClient; every one has a default. */
export interface RegistryClientOptions {
  /** The undici dispatcher for every request. Default: an Agent owned by the client (keep-alive, HTTP/2 where offered). */
  readonly dispatcher?: Dispatcher;
  /** Credentials by registry host. Default: anonymous everywhere. */
  readonly credentials?: CredentialProvider;
  /** Registry hosts spoken to over plain HTTP besides loopback (`host` or `host:port`). Default none. */
  readonly insecureHosts?: readonly string[];
  /** Registry hosts always spoken to over HTTPS, loopback included (`host` or `host:port`). Default none. */
  readonly tlsHosts?: readonly string[];
  /** A CA bundle (PEM, e.g. --ca-file) trusted besides Node's roots on every connection. Default none. */
  readonly extraCa?: string | undefined;
  /** Told about every new connection made with `insecureSkipVerify` (to log a warning). Default nobody. */
  readonly onInsecureConnection?: ((host: string) => void) | undefined;
  /** Per-host concurrency and rate (see LimitOptions for defaults). */
  readonly limits?: LimitOptions;
  /** Retries of 429 / 5xx / network failures (see RetryOptions for defaults). */
  readonly retry?: RetryOptions;
  /** Timeout of each request attempt, headers and body. Default 30,000 ms. */
  readonly timeoutMs?: number;
  /** Largest response body read. Default 8 MiB. */
  readonly maxBodyBytes?: number;
  /** Image metadata cache, e.g. from `loadMetadataCache`. Default: a new in-memory MetadataCache. */
  readonly cache?: MetadataCache;
  /** How long a cached tag → digest mapping is trusted before one HEAD revalidates it. Default 1 hour. */
  readonly tagMaxAgeMs?: number;
  /** Bearer tokens are dropped this long before they expire. Default 10,000 ms. */
  readonly tokenMarginMs?: number;
  /** Clock, ms since the epoch. Default Date.now. */
  readonly now?: () => number;
  /** Waits between retries and for the rate limit. Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default Math.random. */
  readonly random?: () => number;
  /**
   * Registries where a tag seen for the first time is resolved with a HEAD before any GET, so that
   * tags sharing one image cost no pull (quirks.ts: on Docker Hub a GET counts as a pull, a HEAD
   * does not). Costs one extra request per new image. Default: Docker Hub only (`countsPulls`).
   */
  readonly headFirst?: (registry: string) => boolean;
  /** Told about every answered request: host, kind (list, HEAD, manifest GET, blob GET), rate-limit headers. Default: nobody. */
  readonly onRequest?: RegistryRequestObserver;
}

/** Per-call options. */
export interface CallOptions {
  /** Credentials for this call (e.g. an ImagePolicy's secretRef). Default: the client's. */
  readonly credentials?: CredentialProvider | undefined;
  /**
   * TLS settings for this call (an ImagePolicy's certSecretRef, insecureSkipTLSVerify); the registry
   * and its token realm are then reached over HTTPS, loopback included. Default none.
   */
  readonly tls?: TlsSettings | undefined;
}

/** Options of `listTags`. */
export interface ListTagsOptions extends CallOptions {
  /** Tags asked for per page (`n`), never above the host's known cap (quirks.ts: Quay 100, ECR 1,000); registries may return fewer and link the rest. Default 10,000. */
  readonly pageSize?: number;
  /** Pages followed at most; more fails with TOO_MANY_TAGS. Default 500, or enough pages for `maxTags` on hosts with smaller pages. */
  readonly maxPages?: number;
  /** Tags accepted at most; more fails with TOO_MANY_TAGS. Default 100,000. */
  readonly maxTags?: number;
}

/** Options of `getImageCreated` and `getCreatedTimes`. */
export interface ImageCreatedOptions extends CallOptions {
  /** Platform picked from a multi-arch index. Default `linux/amd64`. */
  readonly platform?: string;
  /** HEAD the tag even when its cached digest is still fresh. Default false. */
  readonly revalidate?: boolean;
}

/** The build time of an image and where it came from. */
export interface ImageMetadata {
  /** Digest of the manifest the tag points to (an index for multi-arch images). */
  readonly digest: string;
  /** The config's `created`; undefined when the image has none. */
  readonly created: Date | undefined;
  /** Digest of the platform's manifest when `digest` is an index. */
  readonly platformDigest: string | undefined;
}

/** Build times of many tags: those found, and the tags that vanished in the meantime (NOT_FOUND). */
export interface CreatedTimes {
  readonly created: Map<string, Date>;
  readonly notFound: Map<string, RegistryError>;
}
