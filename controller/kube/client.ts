// The one Kubernetes API client of the controller (see docs/decisions/0004-kubernetes-edge.md):
// requests, streams (watches), retries, the write fence and impersonation, and views that share one
// connection pool. Slightly over 300 lines: the request path (send, fence, auth, retry) reads best
// in one piece.
import { readFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';
import { parseRetryAfter } from '../../registry/limits.ts';
import { Semaphore } from '../util/semaphore.ts';
import { isKubeError, KubeError, kubeErrorFromResponse } from './errors.ts';
import type { Impersonation } from './impersonation.ts';
import { type KubeRetryOptions, retryDelay } from './retry.ts';
import { makeAgent } from './tls-agent.ts';
import type { KubeRequest } from './types.ts';
import type { WriteFence } from './write-fence.ts';

export type { KubeRequest } from './types.ts';

/** How the client reaches the API server. */
export interface KubeClientOptions {
  /** Server, TLS material and credentials (its current context). */
  kubeConfig: KubeConfig;
  /** Transport; default: one keep-alive undici Agent built from the KubeConfig's TLS settings. */
  dispatcher?: Dispatcher;
  /** Requests in flight at once (watches not counted). Default 32. */
  maxInFlight?: number;
  /** Time to wait for response headers. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long computed auth headers (tokens, exec plugins) are reused. Default 60 s. */
  authRefreshMs?: number;
  /** Clock for the auth header cache and `Retry-After` dates. Default `Date.now`. */
  now?: () => number;
  /** Retries of transient failures (429, 5xx, cut connections); see `retry.ts`. Default 4 sends. */
  retry?: KubeRetryOptions;
  /** Waits between retries; resolves early or rejects when `signal` aborts. Default `timers/promises` setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Asked before every request that is not a GET (dry runs included); its signal cuts off such a
   * request in flight, which then fails with code `Fenced`. Default none: every write is allowed.
   */
  fence?: WriteFence;
  /**
   * Every request is made as this user and these groups (`Impersonate-User` / `Impersonate-Group`
   * headers); the API server then applies that identity's RBAC. Default none: the KubeConfig's own user.
   */
  impersonate?: Impersonation | undefined;
}

/**
 * What a view of a client may set differently (see `KubeClient.view`); everything else (the
 * connection pool, auth header cache, clock, sleep) is shared with the client it was made from.
 */
export interface KubeClientView {
  /** Replaces the fence; `null` removes it (the Lease's own requests must pass a closed fence). */
  fence?: WriteFence | null;
  /** Replaces the identity requests are made as; `null` makes them as the KubeConfig's user. */
  impersonate?: Impersonation | null;
  requestTimeoutMs?: number;
  retry?: KubeRetryOptions;
  /**
   * A separate in-flight limit for this view, so its requests never wait behind the others for a
   * slot (the Lease renew). Default: the limit of the client it was made from.
   */
  maxInFlight?: number;
}

/** A streaming response (a watch); the caller must consume or destroy `body`. */
export interface KubeStream {
  body: AsyncIterable<Buffer> & { destroy(error?: Error): void };
}

/** The number of requests the client sent, by method (benchmarks and no-op checks read it). */
export interface RequestCounts {
  GET: number;
  POST: number;
  PUT: number;
  PATCH: number;
  DELETE: number;
}

/** What a client and every view made from it share: one connection pool and one auth header cache. */
interface SharedTransport {
  dispatcher: Dispatcher;
  limit: Semaphore;
  auth: { headers: Record<string, string>; at: number } | undefined;
}

/**
 * A small Kubernetes API client on undici: the KubeConfig's server, TLS and credentials, one
 * keep-alive Agent, bounded requests in flight, and API errors as `KubeError`. The controller makes
 * one; impersonated, fenced and Lease views of it (`view`) share its connections.
 */
export class KubeClient {
  readonly server: string;
  readonly counts: RequestCounts = { GET: 0, POST: 0, PUT: 0, PATCH: 0, DELETE: 0 };
  readonly #kubeConfig: KubeConfig;
  readonly #shared: SharedTransport;
  readonly #ownsDispatcher: boolean;
  readonly #requestTimeoutMs: number;
  readonly #authRefreshMs: number;
  readonly #now: () => number;
  readonly #limit: Semaphore;
  readonly #retry: KubeRetryOptions;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #fence: WriteFence | undefined;
  readonly #impersonate: Impersonation | undefined;
  readonly #options: KubeClientOptions;

  /** `shared` is internal: `view` passes the transport of the client it derives from. */
  constructor(options: KubeClientOptions, shared?: SharedTransport) {
    const cluster = options.kubeConfig.getCurrentCluster();
    if (!cluster) throw new KubeError('BadRequest', 'the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.#kubeConfig = options.kubeConfig;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#authRefreshMs = options.authRefreshMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    const limit = shared && options.maxInFlight === undefined ? shared.limit : undefined;
    this.#limit = limit ?? new Semaphore(options.maxInFlight ?? 32);
    this.#retry = options.retry ?? {};
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#fence = options.fence;
    this.#impersonate = options.impersonate;
    this.#options = options;
    this.#ownsDispatcher = shared === undefined && options.dispatcher === undefined;
    this.#shared = shared ?? {
      dispatcher: options.dispatcher ?? makeAgent(options.kubeConfig),
      limit: this.#limit,
      auth: undefined,
    };
  }

  /**
   * Sends a request and parses the JSON answer; non-2xx answers throw `KubeError`. Transient failures
   * are sent again after `Retry-After` or a jittered backoff when that cannot act twice (`retry.ts`).
   */
  async request(req: KubeRequest): Promise<unknown> {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#requestOnce(req);
      } catch (error) {
        // A credential that stopped working (a rotated ServiceAccount token, an expired exec
        // credential): read it afresh once, then try again at once.
        if (isKubeError(error) && error.status === 401 && !reauthenticated) {
          reauthenticated = true;
          this.#shared.auth = undefined;
          continue;
        }
        const wait = isKubeError(error) ? retryDelay(req, error, attempt, this.#retry) : undefined;
        if (wait === undefined || req.signal?.aborted) throw error;
        await this.#sleep(wait, req.signal);
        req.signal?.throwIfAborted();
      }
    }
  }

  async #requestOnce(req: KubeRequest): Promise<unknown> {
    const release = await this.#limit.acquire();
    try {
      const response = await this.#send(req, this.#requestTimeoutMs, this.#requestTimeoutMs);
      const text = await response.body.text().catch((error: unknown) => {
        if (req.signal?.aborted) throw error;
        throw new KubeError('NetworkError', `${describe(req)}: ${errorMessage(error)}`, { cause: error });
      });
      if (response.statusCode >= 300) {
        const retryAfter = parseRetryAfter(headerValue(response.headers['retry-after']), this.#now());
        throw kubeErrorFromResponse(response.statusCode, text, describe(req), retryAfter);
      }
      return parseJson(text, req);
    } finally {
      release();
    }
  }

  /** Opens a streaming GET (a watch). `idleTimeoutMs` bounds the silence between chunks. */
  async stream(req: KubeRequest, idleTimeoutMs: number): Promise<KubeStream> {
    const response = await this.#send(req, this.#requestTimeoutMs, idleTimeoutMs);
    if (response.statusCode >= 300) {
      // The watch reconnects; let it do so with the credential read afresh.
      if (response.statusCode === 401) this.#shared.auth = undefined;
      const text = await response.body.text();
      throw kubeErrorFromResponse(response.statusCode, text, describe(req));
    }
    return { body: response.body };
  }

  /**
   * A client that sends every request as `identity`, sharing this client's connections, fence and
   * settings (closing it closes nothing shared). Cheap: make one per GitSync.
   */
  impersonating(identity: Impersonation): KubeClient {
    return this.view({ impersonate: identity });
  }

  /**
   * A client with some settings changed that shares this client's connection pool, auth header
   * cache and (unless `maxInFlight` is given) in-flight limit. Closing a view closes nothing shared.
   * Its request `counts` are its own.
   */
  view(changes: KubeClientView): KubeClient {
    const { fence, impersonate, maxInFlight, ...rest } = changes;
    const options: KubeClientOptions = { ...this.#options, ...rest };
    if (fence === null) delete options.fence;
    else if (fence) options.fence = fence;
    if (impersonate === null) delete options.impersonate;
    else if (impersonate) options.impersonate = impersonate;
    if (maxInFlight !== undefined) options.maxInFlight = maxInFlight;
    else delete options.maxInFlight;
    return new KubeClient(options, this.#shared);
  }

  /** Closes the Agent this client created (not a dispatcher that was passed in, nor a view's). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#shared.dispatcher.close();
  }

  async #send(req: KubeRequest, headersTimeout: number, bodyTimeout: number) {
    const fence = req.method === 'GET' ? undefined : this.#fence;
    if (fence) this.#checkFence(fence, req);
    const headers: Record<string, string | string[]> = { ...(await this.#authHeaders()) };
    if (this.#impersonate) {
      headers['impersonate-user'] = this.#impersonate.user;
      if (this.#impersonate.groups.length > 0) headers['impersonate-group'] = [...this.#impersonate.groups];
    }
    headers.accept = req.accept ?? 'application/json';
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    const signals = [req.signal, fence?.signal].filter((signal) => signal !== undefined);
    this.counts[req.method]++;
    try {
      return await this.#shared.dispatcher.request({
        origin: this.server,
        path: withQuery(req.path, req.query),
        method: req.method,
        headers,
        body,
        signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
        headersTimeout,
        bodyTimeout,
      });
    } catch (error) {
      if (req.signal?.aborted) throw error;
      if (fence?.signal.aborted) throw fenced(req, error);
      throw new KubeError('NetworkError', `${describe(req)}: ${errorMessage(error)}`, { cause: error });
    }
  }

  #checkFence(fence: WriteFence, req: KubeRequest): void {
    try {
      fence.check(describe(req));
    } catch (error) {
      // The fence's refusal already names the request.
      throw new KubeError('Fenced', errorMessage(error), { cause: error, retryable: false });
    }
  }

  async #authHeaders(): Promise<Record<string, string>> {
    const now = this.#now();
    const cached = this.#shared.auth;
    if (cached && now - cached.at < this.#authRefreshMs) return cached.headers;
    const tokenFile = this.#kubeConfig.getCurrentUser()?.authProvider?.config?.tokenFile;
    if (typeof tokenFile === 'string') {
      // In a Pod: the kubelet rotates the projected ServiceAccount token in this file. Read it here
      // rather than through client-node, which keeps a read token for 60 s more whatever happens.
      const token = (await readFile(tokenFile, 'utf8')).trim();
      const headers = { authorization: `Bearer ${token}` };
      this.#shared.auth = { headers, at: now };
      return headers;
    }
    const opts: RequestOptions = {};
    await this.#kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === 'string' || typeof value === 'number') headers[key.toLowerCase()] = String(value);
    }
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.#shared.auth = { headers, at: now };
    return headers;
  }
}

function fenced(req: KubeRequest, cause: unknown): KubeError {
  return new KubeError('Fenced', `${describe(req)}: ${errorMessage(cause)}`, { cause, retryable: false });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function withQuery(path: string, query: KubeRequest['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

function parseJson(text: string, req: KubeRequest): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new KubeError('InvalidResponse', `${describe(req)}: the answer is not JSON`, { cause: error });
  }
}

function describe(req: KubeRequest): string {
  return req.what ?? `${req.method} ${req.path}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
