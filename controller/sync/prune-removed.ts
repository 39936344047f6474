// Whether and what to prune after a sync applied its objects: only what Git removed (promise 1
// of DESIGN.md). prune.ts does the deleting.
import { describeRef } from '../kube/types.ts';
import { pruneObjects } from './prune.ts';
import type { RenderResult } from './render.ts';
import type { RunState, SyncContext } from './sync-context.ts';
import type { DesiredObject, InventoryEntry, SyncRequest } from './types.ts';

/**
 * Prunes what Git removed, and nothing else (promise 1 of DESIGN.md): when the render had any
 * problem (a file that does not parse, a document over a cap, an object that failed to render),
 * an object missing from it may still be in Git, so nothing is pruned and every previous entry
 * stays in the inventory. An object whose id changed only because `targetNamespace` changed is
 * left in place too. Returns why pruning was held back, if it was.
 */
export async function pruneRemoved(
  ctx: SyncContext,
  request: SyncRequest,
  rendered: RenderResult,
  inventory: InventoryEntry[],
  state: RunState,
): Promise<string | undefined> {
  if (request.prune === false) return undefined;
  const previous = request.previousInventory ?? [];
  const current = new Set([...inventory.map((e) => e.id), ...rendered.ignored.map((e) => e.id)]);
  const gone = previous.filter((entry) => !current.has(entry.id));
  if (gone.length === 0) return undefined;
  if (rendered.problems.length > 0) {
    inventory.push(...gone);
    const first = rendered.problems[0];
    const where = first ? ` (first: ${first.path}:${first.line})` : '';
    return `nothing pruned: the render had ${rendered.problems.length} problem(s)${where}, so ${gone.length} object(s) missing from it may still be in Git`;
  }
  const moved = gone.filter((entry) => movedByTargetNamespace(entry, rendered.objects));
  for (const entry of moved) {
    state.results.push({
      id: entry.id,
      object: describeRef(entry),
      action: 'skipped',
      reason: 'NamespaceChanged',
      message: `not pruned: its manifest is still in Git and now applies to namespace ${request.targetNamespace}; delete the old object by hand if it is no longer wanted`,
    });
  }
  const pruned = await pruneObjects(
    {
      api: ctx.api,
      discovery: ctx.discovery,
      ownerLabelValue: ctx.ownerLabelValue,
      concurrency: ctx.concurrency,
    },
    gone.filter((entry) => !moved.includes(entry)),
  );
  state.results.push(...pruned.results);
  state.writes += pruned.writes;
  inventory.push(...pruned.kept);
  return undefined;
}

/** The manifest is still rendered, with the same kind and name, in the (changed) target namespace. */
function movedByTargetNamespace(entry: InventoryEntry, objects: readonly DesiredObject[]): boolean {
  return objects.some(
    (d) =>
      d.namespaceDefaulted &&
      d.entry.group === entry.group &&
      d.entry.kind === entry.kind &&
      d.entry.name === entry.name &&
      d.entry.namespace !== entry.namespace,
  );
}
