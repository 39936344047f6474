/**
 * Politeness per registry host: a concurrency cap, a token-bucket request rate that halves on
 * every 429 and recovers by 10% per window of successes (AIMD, like TCP), a host-wide pause while
 * a `Retry-After` runs, and the jittered exponential backoff used between retries. The clock and
 * sleep are passed in, so tests check exact delays without fake timers.
 */
import { retryDelayMs } from '../controller/util/backoff.ts';

/** Limits applied to each registry host separately. */
export interface LimitOptions {
  /** Requests in flight per host at once. Default 16. */
  readonly concurrency?: number;
  /** Sustained requests per second per host (the token bucket's refill rate). Default 100. */
  readonly ratePerSecond?: number;
  /** Bucket size: requests that may start at once after a quiet period. Default: `ratePerSecond`. */
  readonly burst?: number;
  /** The rate never halves below this. Default 1 request per second. */
  readonly minRatePerSecond?: number;
  /** Successes in a row after which a halved rate grows by 10%. Default 20. */
  readonly recoveryWindow?: number;
}

/** Retry timing for 429, 5xx and network failures. */
export interface RetryOptions {
  /** Attempts per request including the first. Default 4. */
  readonly maxAttempts?: number;
  /** Backoff before the first retry, before jitter. Default 250 ms. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling, before jitter. Default 10,000 ms. */
  readonly maxDelayMs?: number;
  /** A `Retry-After` longer than this fails at once with RATE_LIMITED instead of waiting. Default 60,000 ms. */
  readonly maxRetryAfterMs?: number;
}

/** The clock a limiter runs on. */
export interface LimiterClock {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Backoff before retry number `attempt` (0 = the first retry): the shared equal-jitter backoff with the registry's defaults. */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number): number {
  return retryDelayMs(attempt, {
    baseMs: options.baseDelayMs ?? 250,
    maxMs: options.maxDelayMs ?? 10_000,
    random,
  });
}

/** Parses `Retry-After` (delta seconds or an HTTP date) into milliseconds from `nowMs`; undefined when absent or malformed. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

interface HostState {
  active: number;
  readonly waiting: (() => void)[];
  tokens: number;
  refilledAt: number;
  rate: number;
  successes: number;
  pausedUntil: number;
}

/** Releases a slot taken with `HostLimiter.acquire`; call exactly once. */
export type Release = () => void;

/** Per-host concurrency cap, token bucket and 429 back-pressure. */
export class HostLimiter {
  readonly #options: Required<LimitOptions>;
  readonly #clock: LimiterClock;
  readonly #hosts = new Map<string, HostState>();

  constructor(options: LimitOptions, clock: LimiterClock) {
    const rate = options.ratePerSecond ?? 100;
    this.#options = {
      concurrency: options.concurrency ?? 16,
      ratePerSecond: rate,
      burst: options.burst ?? rate,
      minRatePerSecond: options.minRatePerSecond ?? 1,
      recoveryWindow: options.recoveryWindow ?? 20,
    };
    this.#clock = clock;
  }

  #state(host: string): HostState {
    let state = this.#hosts.get(host);
    if (state === undefined) {
      const o = this.#options;
      state = {
        active: 0,
        waiting: [],
        tokens: o.burst,
        refilledAt: this.#clock.now(),
        rate: o.ratePerSecond,
        successes: 0,
        pausedUntil: 0,
      };
      this.#hosts.set(host, state);
    }
    return state;
  }

  /** Waits for a concurrency slot, then for the bucket (and any Retry-After pause); returns the release. */
  async acquire(host: string): Promise<Release> {
    const state = this.#state(host);
    if (state.active >= this.#options.concurrency) {
      await new Promise<void>((resolve) => state.waiting.push(resolve));
    } else {
      state.active++;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = state.waiting.shift();
      if (next) next();
      else state.active--;
    };
    try {
      const wait = this.#reserve(state);
      if (wait > 0) await this.#clock.sleep(wait);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** Takes a token now (possibly going into debt) and says how long to wait before using it. */
  #reserve(state: HostState): number {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - state.refilledAt);
    state.tokens = Math.min(this.#options.burst, state.tokens + (elapsed * state.rate) / 1000);
    state.refilledAt = now;
    state.tokens -= 1;
    const debt = state.tokens < 0 ? Math.ceil((-state.tokens * 1000) / state.rate) : 0;
    return Math.max(debt, state.pausedUntil - now, 0);
  }

  /** Records a 429: halves the host's rate, empties its bucket and pauses the host for `retryAfterMs`. */
  rateLimited(host: string, retryAfterMs: number | undefined): void {
    const state = this.#state(host);
    state.rate = Math.max(this.#options.minRatePerSecond, state.rate / 2);
    state.tokens = Math.min(state.tokens, 0);
    state.successes = 0;
    if (retryAfterMs !== undefined) {
      state.pausedUntil = Math.max(state.pausedUntil, this.#clock.now() + retryAfterMs);
    }
  }

  /** Records a success; every `recoveryWindow` successes a lowered rate grows by 10%. */
  succeeded(host: string): void {
    const state = this.#state(host);
    if (state.rate >= this.#options.ratePerSecond) return;
    state.successes++;
    if (state.successes < this.#options.recoveryWindow) return;
    state.successes = 0;
    state.rate = Math.min(this.#options.ratePerSecond, (state.rate * 11) / 10);
  }

  /** The host's current request rate per second (for metrics and tests). */
  rate(host: string): number {
    return this.#state(host).rate;
  }
}
