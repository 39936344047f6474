/**
 * When the Kubernetes client sends a failed request again, and after how long.
 *
 * Rules:
 * 1. Only transient failures are retried: 429, 500, 503, 504, a Status `ServerTimeout`, and a
 *    connection that failed or was cut (`NetworkError`). 409 Conflict is the caller's business (the
 *    same request would conflict again).
 * 2. A request is sent again only when a second copy cannot act twice: reads (GET), server-side apply
 *    and JSON merge patches (applying them twice gives the same object), a DELETE with a `uid`
 *    precondition, a PUT that carries `metadata.resourceVersion`. Anything else (a POST that creates,
 *    an RFC 6902 JSON patch) is retried only on 429, which the API server's flow control answers
 *    before the request is handled; a 5xx or a cut connection may come after it acted.
 * 3. The delay is the server's `Retry-After` (header, or `details.retryAfterSeconds` in the Status)
 *    when it sent a positive one, else the shared jittered backoff of `util/backoff.ts`; a `Retry-After` longer
 *    than `maxRetryAfterMs` is not waited for (the error goes to the caller at once).
 * 4. Bounded: at most `maxAttempts` sends per request.
 */
import { type BackoffOptions, retryDelayMs } from '../util/backoff.ts';
import { type KubeError, TRANSIENT_CODES } from './errors.ts';
import type { KubeRequest } from './types.ts';

/** How the client retries transient failures. */
export interface KubeRetryOptions {
  /** Sends per request, the first included; 1 turns retries off. Default 4. */
  maxAttempts?: number;
  /** Backoff when the server names no `Retry-After`. Default 250 ms doubling up to 8 s, equal jitter. */
  backoff?: BackoffOptions;
  /** A `Retry-After` longer than this is not waited for. Default 30,000 ms. */
  maxRetryAfterMs?: number;
}

/** Default sends per request, the first included. */
export const DEFAULT_KUBE_MAX_ATTEMPTS = 4;
/** Default longest `Retry-After` the client waits for, in milliseconds. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

const REPEATABLE_PATCHES: ReadonlySet<string> = new Set([
  'application/apply-patch+yaml',
  'application/merge-patch+json',
]);

/** True when sending `req` twice cannot act twice (rule 2). `req.idempotent` overrides the guess. */
export function isIdempotent(req: KubeRequest): boolean {
  if (req.idempotent !== undefined) return req.idempotent;
  switch (req.method) {
    case 'GET':
      return true;
    case 'PATCH':
      return REPEATABLE_PATCHES.has(req.contentType ?? '');
    case 'DELETE':
      return typeof field(field(req.body, 'preconditions'), 'uid') === 'string';
    case 'PUT':
      return typeof field(field(req.body, 'metadata'), 'resourceVersion') === 'string';
    default:
      return false;
  }
}

/**
 * The delay before sending `req` again after `error` on attempt `attempt` (0 = the first send), or
 * undefined when it must not be sent again.
 */
export function retryDelay(
  req: KubeRequest,
  error: KubeError,
  attempt: number,
  options: KubeRetryOptions = {},
): number | undefined {
  if (attempt + 1 >= (options.maxAttempts ?? DEFAULT_KUBE_MAX_ATTEMPTS)) return undefined;
  if (!TRANSIENT_CODES.has(error.code)) return undefined;
  if (error.code !== 'TooManyRequests' && !isIdempotent(req)) return undefined;
  const { retryAfterMs } = error;
  if (retryAfterMs === undefined || retryAfterMs <= 0) return retryDelayMs(attempt, options.backoff);
  if (retryAfterMs > (options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS)) return undefined;
  return retryAfterMs;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
