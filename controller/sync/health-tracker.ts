// Health between syncs: the verdicts of the last sync, kept current from the drift watches. A
// Deployment applied by a sync is InProgress at that moment; its rollout finishes (or fails) later,
// and the watch that sees its status change is what tells the GitSync's Healthy condition so, at
// once, instead of at the next full re-sync.
import type { KubeObject } from '../kube/types.ts';
import { computeHealth } from './health.ts';
import type { HealthVerdict } from './types.ts';

/** The health verdict of every object the last sync applied, by object id. */
export class HealthTracker {
  #verdicts = new Map<string, HealthVerdict>();
  /** The newest state a watch delivered of each object (the watch's own store object, not a copy). */
  #latest = new Map<string, KubeObject>();

  /**
   * Starts over from a sync's verdicts, and returns them brought up to date: a rollout may finish
   * while the sync is still running, and its last watch event then came before this reset. A watched
   * state counts only when it is of the generation the sync applied (or later), never an older one.
   */
  reset(verdicts: readonly HealthVerdict[]): HealthVerdict[] {
    const current = verdicts.map((verdict) => {
      const live = this.#latest.get(verdict.id);
      const generation = live?.metadata.generation;
      if (!live || verdict.generation === undefined || generation === undefined) return verdict;
      return generation >= verdict.generation ? { ...verdict, ...computeHealth(live), generation } : verdict;
    });
    this.#verdicts = new Map(current.map((verdict) => [verdict.id, verdict]));
    for (const id of this.#latest.keys()) if (!this.#verdicts.has(id)) this.#latest.delete(id);
    return current;
  }

  /** Every verdict as it stands. */
  current(): HealthVerdict[] {
    return [...this.#verdicts.values()];
  }

  /**
   * Records what a watch saw of object `id`; returns every verdict when this one changed, else
   * undefined (also for objects the last sync did not apply).
   */
  observe(id: string, live: KubeObject): HealthVerdict[] | undefined {
    this.#latest.set(id, live);
    const previous = this.#verdicts.get(id);
    if (!previous) return undefined;
    const health = computeHealth(live);
    if (health.status === previous.status && health.message === previous.message) return undefined;
    this.#verdicts.set(id, { ...previous, ...health, generation: live.metadata.generation });
    return [...this.#verdicts.values()];
  }
}
