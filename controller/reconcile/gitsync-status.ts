// Builds GitSync status from a sync result: the inventory in the CRD's compact form and the
// Synced / Healthy conditions with messages a person can act on.
import type { ConditionUpdate } from '../api/conditions.ts';
import type { InventoryEntry as StatusEntry } from '../api/types.ts';
import type { InventoryEntry, SyncResult } from '../sync/types.ts';

/** The sync inventory as stored in status: `namespace_name_group_kind` + version. */
export function toStatusInventory(entries: readonly InventoryEntry[]): StatusEntry[] {
  return entries.map((entry) => ({ id: entry.id, v: entry.version }));
}

/** The status inventory back in the sync loop's form (ids are `namespace_name_group_kind`). */
export function fromStatusInventory(entries: readonly StatusEntry[] | undefined): InventoryEntry[] {
  const result: InventoryEntry[] = [];
  for (const { id, v } of entries ?? []) {
    const [namespace = '', name = '', group = '', kind = ''] = id.split('_');
    if (!name || !kind) continue;
    result.push({ id, namespace, name, group, kind, version: v });
  }
  return result;
}

/** The Synced condition for a sync result at `commit`. */
export function syncedCondition(result: SyncResult, commit: string): ConditionUpdate {
  const short = commit.slice(0, 7);
  if (result.error)
    return { type: 'Synced', status: 'False', reason: result.error.code, message: result.error.message };
  const failed = result.objects.filter((object) => object.action === 'failed');
  const c = result.counts;
  const summary = `${c.created} created, ${c.configured + c.recreated} configured, ${c.unchanged} unchanged, ${c.pruned} pruned`;
  if (failed.length > 0 || result.problems.length > 0) {
    const first = failed[0]
      ? `${failed[0].object}: ${failed[0].message ?? failed[0].reason ?? 'failed'}`
      : `${result.problems[0]?.path}:${result.problems[0]?.line}: ${result.problems[0]?.message}`;
    const more =
      failed.length + result.problems.length > 1
        ? ` (and ${failed.length + result.problems.length - 1} more)`
        : '';
    return {
      type: 'Synced',
      status: 'False',
      reason: 'ApplyFailed',
      message: `commit ${short}: ${first}${more}; ${summary}`,
    };
  }
  return { type: 'Synced', status: 'True', reason: 'Applied', message: `commit ${short}: ${summary}` };
}

/** The Healthy condition: every applied workload current, or the first that is not. */
export function healthyCondition(result: SyncResult): ConditionUpdate {
  const failed = result.health.find((verdict) => verdict.status === 'Failed');
  if (failed)
    return {
      type: 'Healthy',
      status: 'False',
      reason: 'Failed',
      message: `${failed.object}: ${failed.message}`,
    };
  const progressing = result.health.filter((verdict) => verdict.status === 'InProgress');
  if (progressing.length > 0) {
    const first = progressing[0];
    return {
      type: 'Healthy',
      status: 'Unknown',
      reason: 'Progressing',
      message: `${progressing.length} object(s) not ready yet, e.g. ${first?.object}: ${first?.message}`,
    };
  }
  return {
    type: 'Healthy',
    status: 'True',
    reason: 'Current',
    message: `${result.health.length} object(s) current`,
  };
}
