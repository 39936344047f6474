// isomorphic-git's HTTP transport, built on undici so that every Git request shares the caller's
// keep-alive Dispatcher (one connection pool per Git host) and has timeouts. isomorphic-git's own
// `isomorphic-git/http/node` is not used: it opens a new connection per request and has no timeouts.
import { STATUS_CODES } from 'node:http';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { Dispatcher } from 'undici';

/** Options of `createGitHttpClient`. */
export interface GitHttpClientOptions {
  /** The shared undici Dispatcher (an `Agent` with keep-alive); never closed by this client. */
  dispatcher: Dispatcher;
  /** Time to wait for the response headers. Default 30 s. */
  headersTimeoutMs?: number;
  /** Longest pause between two chunks of the response body. Default 60 s. */
  bodyTimeoutMs?: number;
  /** `User-Agent` header. Default `tagpilot`. */
  userAgent?: string;
  /** Called once per request when its headers arrived (for metrics); never sees request headers. */
  onResponse?: (info: GitHttpExchange) => void;
  /**
   * Asked before every push request (`POST …/git-receive-pack`), whose signal then cuts it off in
   * flight: a `WriteFence` (kube/write-fence.ts), whose refusal carries the code `FENCED`. Default
   * none: every push is allowed.
   */
  fence?: { check(what: string): void; readonly signal: AbortSignal };
}

/** What `onResponse` learns about one request: no headers, so no credentials. */
export interface GitHttpExchange {
  method: string;
  /** The request URL (isomorphic-git never puts credentials into it; see repository.ts). */
  url: string;
  statusCode: number;
  durationMs: number;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
const DEFAULT_BODY_TIMEOUT_MS = 60_000;

/**
 * An isomorphic-git `http` client on undici. Redirects are not followed (a 3xx reaches isomorphic-git
 * as an HTTP error), so the Authorization header never travels to another origin.
 */
export function createGitHttpClient(options: GitHttpClientOptions): HttpClient {
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const bodyTimeout = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const userAgent = options.userAgent ?? 'tagpilot';
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const started = performance.now();
      const method = request.method ?? 'GET';
      const url = new URL(request.url);
      const body = request.body === undefined ? undefined : await collectBody(request.body);
      const fence =
        method === 'POST' && url.pathname.endsWith('/git-receive-pack') ? options.fence : undefined;
      fence?.check(`push to ${url.origin}${url.pathname}`);
      const signals = [request.signal, fence?.signal].filter((signal) => signal !== undefined);
      const headers: Record<string, string> = { 'user-agent': userAgent, ...request.headers };
      if (body !== undefined) headers['content-length'] = String(body.byteLength);
      const response = await options.dispatcher
        .request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: method as Dispatcher.HttpMethod,
          headers,
          body,
          headersTimeout,
          bodyTimeout,
          signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
        })
        .catch((error: unknown) => {
          // Cut off by the fence: report the fence's reason (code FENCED), not a bare abort.
          throw fence?.signal.aborted ? fence.signal.reason : error;
        });
      options.onResponse?.({
        method,
        url: request.url,
        statusCode: response.statusCode,
        durationMs: performance.now() - started,
      });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        url: request.url,
        method,
        statusCode: response.statusCode,
        statusMessage: STATUS_CODES[response.statusCode] ?? '',
        headers: flattenHeaders(response.headers),
        body: ok ? response.body[Symbol.asyncIterator]() : await errorBody(response.body),
      };
    },
  };
}

/**
 * Request bodies are small (want/have lines, or a push pack of a few objects) and some servers need a
 * Content-Length, so the body is sent in one piece.
 */
async function collectBody(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * isomorphic-git does not always read an error body, which would leave the connection busy; it is read
 * here (up to a limit; a longer one is cut off, which closes the connection) and handed over whole.
 */
const ERROR_BODY_LIMIT = 64 * 1024;

async function errorBody(body: Dispatcher.ResponseData['body']): Promise<AsyncIterableIterator<Uint8Array>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
    // Leaving the loop destroys the stream.
    if (size >= ERROR_BODY_LIMIT) break;
  }
  const text = Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT);
  return (async function* () {
    yield text;
  })();
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
