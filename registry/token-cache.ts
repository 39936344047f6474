/**
 * Bearer tokens by (registry origin, scope, credential identity), kept until `expires_in` minus a
 * safety margin. The distribution token spec says `expires_in` defaults to 60 seconds and that no
 * token lives shorter than that, so shorter or missing values are read as 60 (as Docker does).
 */

/** Token lifetime assumed when `expires_in` is missing or below it, in seconds (distribution spec). */
export const MIN_TOKEN_LIFETIME_SECONDS = 60;

/** Options of a TokenCache. */
export interface TokenCacheOptions {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** A token is dropped this long before it expires, but never before half its lifetime. Default 10,000 ms. */
  readonly marginMs?: number;
  /** Entries kept at most; the oldest are dropped first. Default 1,000. */
  readonly maxEntries?: number;
}

interface Entry {
  readonly token: string;
  readonly expiresAt: number;
}

/** When a token obtained at `obtainedAt` stops being used: lifetime minus the margin (at most half the lifetime). */
export function tokenExpiresAt(
  obtainedAt: number,
  expiresInSeconds: number | undefined,
  marginMs: number,
): number {
  const lifetimeMs = Math.max(MIN_TOKEN_LIFETIME_SECONDS, expiresInSeconds ?? 0) * 1000;
  return obtainedAt + lifetimeMs - Math.min(marginMs, lifetimeMs / 2);
}

/** A bounded cache of bearer tokens with expiry. */
export class TokenCache {
  readonly #now: () => number;
  readonly #marginMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: TokenCacheOptions) {
    this.#now = options.now;
    this.#marginMs = options.marginMs ?? 10_000;
    this.#maxEntries = options.maxEntries ?? 1000;
  }

  /** The token for `key` while it is still valid, else undefined (and the entry is dropped). */
  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#now() < entry.expiresAt) return entry.token;
    this.#entries.delete(key);
    return undefined;
  }

  /** Stores a token obtained at `obtainedAt` (ms) with the server's `expires_in` (seconds, optional). */
  set(key: string, token: string, obtainedAt: number, expiresInSeconds: number | undefined): void {
    this.#entries.delete(key);
    this.#entries.set(key, {
      token,
      expiresAt: tokenExpiresAt(obtainedAt, expiresInSeconds, this.#marginMs),
    });
    if (this.#entries.size > this.#maxEntries) this.#evict();
  }

  /** Forgets the token for `key` (the registry refused it). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Number of entries, expired ones included until they are next touched. */
  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}
