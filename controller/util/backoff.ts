// The one jittered exponential backoff: Git push retries, Kubernetes request retries, registry
// request retries and sync retries all wait this long.

/** Options of `retryDelayMs`. */
export interface BackoffOptions {
  /** Delay cap of the first retry. Default 250 ms. */
  baseMs?: number;
  /** Largest delay cap. Default 8,000 ms. */
  maxMs?: number;
  /** A number in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** Default delay cap of the first retry, in milliseconds. */
export const DEFAULT_BACKOFF_BASE_MS = 250;
/** Default largest delay cap, in milliseconds. */
export const DEFAULT_BACKOFF_MAX_MS = 8_000;

/**
 * The delay before retry number `retry` (0 for the first retry): exponential with "equal jitter",
 * i.e. uniform in [cap/2, cap) where cap = min(maxMs, baseMs * 2^retry). Two controllers racing for
 * the same branch spread out, and no retry goes without a pause.
 */
export function retryDelayMs(retry: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const max = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const random = options.random ?? Math.random;
  const cap = Math.min(max, base * 2 ** Math.max(0, retry));
  return Math.round(cap / 2 + random() * (cap / 2));
}
