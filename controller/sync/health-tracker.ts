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

  /** Starts over from a sync's verdicts. */
  reset(verdicts: readonly HealthVerdict[]): void {
    this.#verdicts = new Map(verdicts.map((verdict) => [verdict.id, verdict]));
  }

  /**
   * Records what a watch saw of object `id`; returns every verdict when this one changed, else
   * undefined (also for objects the last sync did not apply).
   */
  observe(id: string, live: KubeObject): HealthVerdict[] | undefined {
    const previous = this.#verdicts.get(id);
    if (!previous) return undefined;
    const health = computeHealth(live);
    if (health.status === previous.status && health.message === previous.message) return undefined;
    this.#verdicts.set(id, { ...previous, ...health });
    return [...this.#verdicts.values()];
  }
}
