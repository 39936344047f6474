/**
 * Prune: objects in the previous inventory that are no longer rendered are deleted, stage by
 * stage in reverse apply order (webhooks, then ordinary objects, then Namespaces/CRDs), and only
 * when the live object still carries our ownership label and no `ignore` annotation. A failed
 * delete keeps the entry in the inventory so the next sync tries again.
 */
import type { KubeApi } from '../kube/api.ts';
import type { Discovery } from '../kube/discovery.ts';
import { describeRef, joinApiVersion } from '../kube/types.ts';
import { mapLimit } from './concurrency.ts';
import { describeFailure } from './errors.ts';
import { groupByStage } from './order.ts';
import { ignoreMode, isOwnedBy } from './ownership.ts';
import type { InventoryEntry, ObjectResult } from './types.ts';

/** What prune needs. */
export interface PruneContext {
  api: KubeApi;
  discovery: Discovery;
  ownerLabelValue: string;
  concurrency: number;
}

/** Results per entry, the entries that must stay in the inventory, and the deletes sent. */
export interface PruneOutcome {
  results: ObjectResult[];
  kept: InventoryEntry[];
  writes: number;
}

/** Deletes `entries` (previous inventory order) that are still ours. */
export async function pruneObjects(
  ctx: PruneContext,
  entries: readonly InventoryEntry[],
): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { results: [], kept: [], writes: 0 };
  const stages = groupByStage([...entries].reverse(), (e) => e).reverse();
  for (const stage of stages) {
    const results = await mapLimit(stage, ctx.concurrency, (entry) => pruneOne(ctx, entry));
    for (const [index, result] of results.entries()) {
      outcome.results.push(result);
      if (result.action === 'pruned') outcome.writes++;
      const entry = stage[index];
      if (result.action === 'failed' && entry) outcome.kept.push(entry);
    }
  }
  return outcome;
}

async function pruneOne(ctx: PruneContext, entry: InventoryEntry): Promise<ObjectResult> {
  const base = { id: entry.id, object: describeRef(entry) };
  try {
    const info = await ctx.discovery.find(joinApiVersion(entry.group, entry.version), entry.kind);
    if (!info) return { ...base, action: 'skipped', reason: 'Gone', message: 'the kind is no longer served' };
    const namespace = entry.namespace || undefined;
    const live = await ctx.api.get(info, namespace, entry.name);
    if (!live) return { ...base, action: 'skipped', reason: 'Gone', message: 'already deleted' };
    if (!isOwnedBy(live, ctx.ownerLabelValue)) {
      return {
        ...base,
        action: 'skipped',
        reason: 'NotOwned',
        message: 'the object no longer carries our ownership label',
      };
    }
    const mode = ignoreMode(live);
    if (mode) return { ...base, action: 'skipped', reason: 'Ignored', message: `annotated ignore: ${mode}` };
    await ctx.api.delete(info, namespace, entry.name, { uid: live.metadata.uid });
    return { ...base, action: 'pruned' };
  } catch (error) {
    return { ...base, action: 'failed', ...describeFailure(error, entry.kind === 'Secret') };
  }
}
