/**
 * Prune: objects in the previous inventory that are no longer rendered are deleted, stage by
 * stage in reverse apply order (webhooks, then ordinary objects, then Namespaces/CRDs), and only
 * when the live object still carries our ownership label, no `ignore` annotation and no
 * `prune: disabled` annotation (on the object or on its Namespace). A failed delete keeps the
 * entry in the inventory so the next sync tries again. Whether to prune at all (never after a
 * render with problems) is decided by the caller.
 */
import type { KubeApi } from '../kube/api.ts';
import type { Discovery } from '../kube/discovery.ts';
import { describeRef, joinApiVersion } from '../kube/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import { describeFailure } from './errors.ts';
import { groupByStage } from './order.ts';
import { ignoreMode, isOwnedBy, pruneDisabled } from './ownership.ts';
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
  const protectedNamespaces = new Map<string, Promise<boolean>>();
  const namespaceProtected = (namespace: string): Promise<boolean> => {
    let known = protectedNamespaces.get(namespace);
    if (!known) {
      known = isNamespaceProtected(ctx, namespace);
      protectedNamespaces.set(namespace, known);
    }
    return known;
  };
  const stages = groupByStage([...entries].reverse(), (e) => e).reverse();
  for (const stage of stages) {
    const results = await mapLimit(stage, ctx.concurrency, (entry) =>
      pruneOne(ctx, entry, namespaceProtected),
    );
    for (const [index, result] of results.entries()) {
      outcome.results.push(result);
      if (result.action === 'pruned') outcome.writes++;
      const entry = stage[index];
      if (result.action === 'failed' && entry) outcome.kept.push(entry);
    }
  }
  return outcome;
}

async function pruneOne(
  ctx: PruneContext,
  entry: InventoryEntry,
  namespaceProtected: (namespace: string) => Promise<boolean>,
): Promise<ObjectResult> {
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
    if (pruneDisabled(live)) {
      return { ...base, action: 'skipped', reason: 'PruneDisabled', message: 'annotated prune: disabled' };
    }
    if (namespace && (await namespaceProtected(namespace))) {
      const message = `its namespace ${namespace} is annotated prune: disabled`;
      return { ...base, action: 'skipped', reason: 'PruneDisabled', message };
    }
    await ctx.api.delete(info, namespace, entry.name, { uid: live.metadata.uid });
    return { ...base, action: 'pruned' };
  } catch (error) {
    return { ...base, action: 'failed', ...describeFailure(error, entry.kind === 'Secret') };
  }
}

/** True when the Namespace exists and is annotated `prune: disabled`. */
async function isNamespaceProtected(ctx: PruneContext, namespace: string): Promise<boolean> {
  const info = await ctx.discovery.find('v1', 'Namespace');
  if (!info) return false;
  const live = await ctx.api.get(info, undefined, namespace);
  return live !== undefined && pruneDisabled(live);
}
