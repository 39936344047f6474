import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/types.ts';
import type { ApplyPlan } from './ignore-rules.ts';

/** Options of the verified-state cache. */
export interface VerifiedStatesOptions {
  /**
   * How long a verification is trusted; 0 turns the cache off. Default 30 minutes: longer than the
   * default full re-sync (10 minutes), so periodic re-syncs of a running controller hit the cache.
   */
  ttlMs?: number;
  /** Clock. Default `Date.now`. */
  now?: () => number;
}

/** 30 minutes: three default full re-syncs (DESIGN: `sync.interval`, 10m). */
export const DEFAULT_TTL_MS = 1_800_000;

interface Verified {
  resourceVersion: string;
  key: string;
  at: number;
}

/**
 * Remembers, per object, the resourceVersion at which the live object was known to match what
 * tagpilot applies (a dry run equal to it, or tagpilot's own write). While the live object still
 * has that resourceVersion and the body to apply is the same, the object cannot differ, so a
 * re-sync skips its dry run: a no-op re-sync of 1,000 objects costs a few list requests. Any write
 * by anyone changes the resourceVersion. An entry past `ttlMs` (or after a restart, when there is
 * none) is not a dry run yet: the live object is first asked to prove itself unchanged
 * (unchanged-proof.ts, docs/decisions/0007-cold-resync-proof.md).
 */
export class VerifiedStates {
  readonly #entries = new Map<string, Verified>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: VerifiedStatesOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** A digest of what is applied for an object (body and released paths). */
  static keyOf(plan: ApplyPlan): string {
    return createHash('sha1')
      .update(JSON.stringify(plan.body))
      .update(JSON.stringify(plan.release))
      .digest('base64');
  }

  /** True when `live` is the state last verified for `key`, within the TTL. */
  isCurrent(id: string, live: KubeObject, key: string): boolean {
    const entry = this.#entries.get(id);
    if (!entry || this.#ttlMs <= 0) return false;
    return (
      entry.key === key &&
      entry.resourceVersion === live.metadata.resourceVersion &&
      this.#now() - entry.at < this.#ttlMs
    );
  }

  /** Records that `object` (as the server has it now) matches what `key` applies. */
  remember(id: string, object: KubeObject, key: string): void {
    const resourceVersion = object.metadata.resourceVersion;
    if (resourceVersion) this.#entries.set(id, { resourceVersion, key, at: this.#now() });
  }

  /** Forgets objects that are no longer applied. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#entries.keys()) if (!ids.has(id)) this.#entries.delete(id);
  }
}
