/**
 * Per-object revert bookkeeping: the backoff before the next revert and fight detection.
 * Pure (the clock is passed in) so tests check exact delays.
 *
 * A streak is the run of reverts of one object without a quiet period in between. The n-th
 * revert of a streak waits `backoff(n)` (0, 2 s, 6 s, 18 s, … 5 m by default). `fightThreshold`
 * reverts within `fightWindowMs` is a fight. The streak (and a fight) ends when nothing needed
 * reverting for `max(fightWindowMs, backoff(streak))` after the last revert, or when the desired
 * state changes.
 */

/** Delay in ms before the revert with this 0-based streak position. */
export type Backoff = (attempt: number) => number;

/** 0, 2 s, 6 s, 18 s, 54 s, 162 s, then 5 minutes. */
export function defaultBackoff(attempt: number): number {
  if (attempt <= 0) return 0;
  return Math.min(2000 * 3 ** (attempt - 1), 300_000);
}

/** Options with defaults. */
export interface RevertHistoryOptions {
  /** Default `defaultBackoff`. */
  backoff?: Backoff;
  /** Default 60 s. */
  fightWindowMs?: number;
  /** Reverts within the window that make a fight. Default 3. */
  fightThreshold?: number;
}

interface RevertState {
  streak: number;
  lastRevertAt: number;
  times: number[];
  fighting: boolean;
}

/** What a recorded revert means. */
export interface RevertVerdict {
  /** Position of this revert in its streak, 1-based. */
  attempt: number;
  /** Reverts inside the fight window, this one included. */
  recent: number;
  /** True for the revert that turned the streak into a fight. */
  fightStarted: boolean;
  /** The delay the next revert of this object will wait. */
  nextDelayMs: number;
  /** When the streak ends if nothing else happens (ms since epoch). */
  calmAt: number;
}

/** Backoff and fight state of every object, keyed by inventory id. */
export class RevertHistory {
  readonly #states = new Map<string, RevertState>();
  readonly #backoff: Backoff;
  readonly #window: number;
  readonly #threshold: number;

  constructor(options: RevertHistoryOptions = {}) {
    this.#backoff = options.backoff ?? defaultBackoff;
    this.#window = options.fightWindowMs ?? 60_000;
    this.#threshold = options.fightThreshold ?? 3;
  }

  /** How long a revert of `id` detected at `now` must wait. */
  delayFor(id: string, now: number): number {
    const state = this.#states.get(id);
    if (!state || now >= this.#calmAt(state)) return 0;
    return this.#backoff(state.streak);
  }

  /** Records a revert written at `now`. */
  recordRevert(id: string, now: number): RevertVerdict {
    let state = this.#states.get(id);
    if (!state || now >= this.#calmAt(state)) {
      state = { streak: 0, lastRevertAt: now, times: [], fighting: false };
      this.#states.set(id, state);
    }
    state.streak++;
    state.lastRevertAt = now;
    state.times = [...state.times.filter((t) => now - t < this.#window), now];
    const fightStarted = !state.fighting && state.times.length >= this.#threshold;
    if (fightStarted) state.fighting = true;
    return {
      attempt: state.streak,
      recent: state.times.length,
      fightStarted,
      nextDelayMs: this.#backoff(state.streak),
      calmAt: this.#calmAt(state),
    };
  }

  /**
   * Ends the streak of `id` if it has been quiet long enough; returns whether a fight ended.
   * Call it at the `calmAt` a verdict gave.
   */
  settle(id: string, now: number): { ended: boolean; wasFighting: boolean } {
    const state = this.#states.get(id);
    if (!state || now < this.#calmAt(state)) return { ended: false, wasFighting: false };
    this.#states.delete(id);
    return { ended: true, wasFighting: state.fighting };
  }

  /** Forgets `id` (its desired state changed, or it left Git); returns whether it was fighting. */
  reset(id: string): boolean {
    const fighting = this.#states.get(id)?.fighting ?? false;
    this.#states.delete(id);
    return fighting;
  }

  /** True while `id` is in a fight. */
  isFighting(id: string): boolean {
    return this.#states.get(id)?.fighting ?? false;
  }

  /** Ids currently in a fight. */
  fighting(): string[] {
    return [...this.#states].filter(([, s]) => s.fighting).map(([id]) => id);
  }

  #calmAt(state: RevertState): number {
    return state.lastRevertAt + Math.max(this.#window, this.#backoff(state.streak));
  }
}
