/**
 * One HTTP exchange with a registry or token realm, made robust: the per-host limiter, a timeout
 * covering headers and body, bounded retries of 429 / 5xx / network failures, and the body read
 * in full (registry API answers are small JSON documents; a cap guards against giants). Status
 * codes other than those retried are returned to the caller, which knows what they mean there.
 */
import type { Dispatcher } from 'undici';
import { describeTlsFailure } from '../controller/util/tls-errors.ts';
import type { TlsSettings } from '../controller/util/tls-settings.ts';
import { RegistryError } from './errors.ts';
import { backoffDelay, type HostLimiter, parseRetryAfter, type RetryOptions } from './limits.ts';
import { type RegistryRequestObserver, requestEvent } from './request-events.ts';

/** A request, addressed by origin and path so that credentials are always bound to an origin. */
export interface HttpRequest {
  readonly method: 'GET' | 'HEAD';
  /** `https://ghcr.io` */
  readonly origin: string;
  /** `/v2/org/app/tags/list?n=1000` */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** TLS settings of the connection (a CA bundle, a client certificate, skip-verify). Default none. */
  readonly tls?: TlsSettings | undefined;
}

/** A response with its body read. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Registry and repository the request is for, named in errors. */
export interface RequestContext {
  readonly registry: string;
  readonly repository?: string | undefined;
}

/** What a Transport needs; every part is passed in. */
export interface TransportOptions {
  /** The dispatcher of requests without TLS settings. */
  readonly dispatcher: Dispatcher;
  /** The dispatcher of requests with TLS settings. Default `dispatcher` for every request. */
  readonly dispatcherFor?: ((tls: TlsSettings) => Dispatcher) | undefined;
  readonly limiter: HostLimiter;
  readonly retry: RetryOptions;
  /** Per attempt, headers and body together. */
  readonly timeoutMs: number;
  /** Larger bodies fail with INVALID_RESPONSE. */
  readonly maxBodyBytes: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Told about every answered attempt (metrics, `--explain-requests`). Default: nobody. */
  readonly onRequest?: RegistryRequestObserver | undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** Outcome of one attempt that did not produce a final response. */
type Failure =
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number | undefined; readonly status: number }
  | { readonly kind: 'unavailable'; readonly status: number | undefined; readonly cause: unknown }
  | { readonly kind: 'timeout'; readonly cause: unknown };

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The first value of a header. */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Sends requests through the limiter with retries; see the module comment. */
export class Transport {
  readonly #o: TransportOptions;

  constructor(options: TransportOptions) {
    this.#o = options;
  }

  /** Sends `request`, retrying 429, 5xx (but 501), timeouts and connection failures up to `maxAttempts`. */
  async send(request: HttpRequest, context: RequestContext): Promise<HttpResponse> {
    const host = new URL(request.origin).host;
    const maxAttempts = Math.max(1, this.#o.retry.maxAttempts ?? 4);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(host, request);
      if (!('kind' in outcome)) return outcome;
      const last = attempt + 1 >= maxAttempts;
      const tooLong = outcome.kind === 'rate-limited' && this.#retryAfterTooLong(outcome.retryAfterMs);
      if (last || tooLong) throw this.#finalError(outcome, request, context, attempt + 1);
      // A Retry-After pauses the whole host inside the limiter; everything else backs off here.
      if (outcome.kind !== 'rate-limited' || outcome.retryAfterMs === undefined) {
        await this.#o.sleep(backoffDelay(attempt, this.#o.retry, this.#o.random));
      }
    }
  }

  #retryAfterTooLong(retryAfterMs: number | undefined): boolean {
    return retryAfterMs !== undefined && retryAfterMs > (this.#o.retry.maxRetryAfterMs ?? 60_000);
  }

  async #attempt(host: string, request: HttpRequest): Promise<HttpResponse | Failure> {
    const release = await this.#o.limiter.acquire(host);
    let response: HttpResponse;
    try {
      response = await this.#exchange(request);
    } catch (error) {
      const failure = this.#classify(error, request);
      if (failure === undefined) throw error;
      return failure;
    } finally {
      release();
    }
    this.#o.onRequest?.(requestEvent(host, request.method, request.path, response));
    const status = response.status;
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(headerValue(response.headers, 'retry-after'), this.#o.now());
      this.#o.limiter.rateLimited(host, retryAfterMs);
      return { kind: 'rate-limited', retryAfterMs, status };
    }
    if (status >= 500 && status !== 501) return { kind: 'unavailable', status, cause: undefined };
    this.#o.limiter.succeeded(host);
    return response;
  }

  /**
   * Network failures and timeouts become retryable failures; a TLS failure is final (only a change of
   * certificates helps); anything else is a bug and is rethrown.
   */
  #classify(error: unknown, request: HttpRequest): Failure | undefined {
    if (error instanceof RegistryError) {
      if (error.code === 'TIMEOUT') return { kind: 'timeout', cause: error };
      throw error;
    }
    const tls = describeTlsFailure(error);
    if (tls !== undefined) {
      throw new RegistryError(
        'TLS_CERTIFICATE',
        `${request.method} ${request.origin}${pathOnly(request.path)}: ${tls.message}`,
        {
          registry: new URL(request.origin).host,
          cause: error,
        },
      );
    }
    const code = errorCode(error);
    if (code !== undefined && TIMEOUT_CODES.has(code)) return { kind: 'timeout', cause: error };
    if (code !== undefined && NETWORK_CODES.has(code))
      return { kind: 'unavailable', status: undefined, cause: error };
    const causeCode = errorCode(error instanceof Error ? error.cause : undefined);
    if (causeCode !== undefined && NETWORK_CODES.has(causeCode)) {
      return { kind: 'unavailable', status: undefined, cause: error };
    }
    return undefined;
  }

  async #exchange(request: HttpRequest): Promise<HttpResponse> {
    const controller = new AbortController();
    const timeout = new RegistryError('TIMEOUT', `no answer within ${this.#o.timeoutMs} ms`);
    const timer = setTimeout(() => controller.abort(timeout), this.#o.timeoutMs);
    try {
      const dispatcher =
        request.tls !== undefined && this.#o.dispatcherFor !== undefined
          ? this.#o.dispatcherFor(request.tls)
          : this.#o.dispatcher;
      const response = await dispatcher.request({
        origin: request.origin,
        path: request.path,
        method: request.method,
        headers: request.headers,
        signal: controller.signal,
      });
      const body = await this.#readBody(response.body, request);
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      if (controller.signal.aborted) throw timeout;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #readBody(body: Dispatcher.ResponseData['body'], request: HttpRequest): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > this.#o.maxBodyBytes) {
        body.destroy();
        throw new RegistryError(
          'INVALID_RESPONSE',
          `${request.method} ${request.origin}${pathOnly(request.path)}: response body larger than ${this.#o.maxBodyBytes} bytes`,
        );
      }
      chunks.push(buffer);
    }
    return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size);
  }

  #finalError(
    failure: Failure,
    request: HttpRequest,
    context: RequestContext,
    attempts: number,
  ): RegistryError {
    const where = `${request.method} ${request.origin}${pathOnly(request.path)}`;
    const details = { registry: context.registry, repository: context.repository };
    const tries = attempts === 1 ? '' : ` after ${attempts} attempts`;
    switch (failure.kind) {
      case 'rate-limited': {
        const wait =
          failure.retryAfterMs === undefined
            ? ''
            : `; the registry asks to wait ${Math.ceil(failure.retryAfterMs / 1000)} s`;
        return new RegistryError('RATE_LIMITED', `${where}: rate limited (HTTP 429)${tries}${wait}`, {
          ...details,
          status: failure.status,
          retryAfterMs: failure.retryAfterMs,
        });
      }
      case 'unavailable': {
        const what = failure.status === undefined ? describeCause(failure.cause) : `HTTP ${failure.status}`;
        return new RegistryError('UNAVAILABLE', `${where}: ${what}${tries}`, {
          ...details,
          status: failure.status,
          cause: failure.cause,
        });
      }
      case 'timeout':
        return new RegistryError('TIMEOUT', `${where}: no answer within ${this.#o.timeoutMs} ms${tries}`, {
          ...details,
          cause: failure.cause,
        });
    }
  }
}

function describeCause(cause: unknown): string {
  const code = errorCode(cause) ?? errorCode(cause instanceof Error ? cause.cause : undefined);
  return code === undefined ? 'network error' : `network error ${code}`;
}

/** The path without its query, which may carry opaque pagination state. */
export function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}
