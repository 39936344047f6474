// Builds GitSync status from a sync result: the inventory in the CRD's compact form and the
// Synced / Healthy conditions with messages a person can act on.
import type { ConditionUpdate } from '../api/conditions.ts';
import type { InventoryEntry as StatusEntry } from '../api/types.ts';
import { failureLines } from '../sync/index.ts';
import type { HealthVerdict, InventoryEntry, SyncResult } from '../sync/types.ts';

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

/** True when the status inventory already holds exactly these entries. */
export function sameInventory(
  stored: readonly StatusEntry[] | undefined,
  inventory: readonly InventoryEntry[],
): boolean {
  const entries = stored ?? [];
  return (
    entries.length === inventory.length &&
    entries.every((entry, i) => entry.id === inventory[i]?.id && entry.v === inventory[i]?.version)
  );
}

/** The Synced condition for a sync result at `commit`. */
export function syncedCondition(result: SyncResult, commit: string): ConditionUpdate {
  const short = commit.slice(0, 7);
  if (result.error)
    return { type: 'Synced', status: 'False', reason: result.error.code, message: result.error.message };
  const c = result.counts;
  const summary = `${c.created} created, ${c.configured + c.recreated} configured, ${c.unchanged} unchanged, ${c.pruned} pruned`;
  const failures = failureLines(result);
  if (failures.length > 0) {
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
    const held = result.pruneHeld ? `; ${result.pruneHeld}` : '';
    return {
      type: 'Synced',
      status: 'False',
      reason: 'ApplyFailed',
      message: `commit ${short}: ${failures[0]}${more}; ${summary}${held}`,
    };
  }
  return { type: 'Synced', status: 'True', reason: 'Applied', message: `commit ${short}: ${summary}` };
}

/** The Healthy condition: every applied workload current, or the first that is not. */
export function healthyCondition(result: Pick<SyncResult, 'health' | 'error'>): ConditionUpdate {
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
  if (result.health.length === 0) {
    return {
      type: 'Healthy',
      status: 'Unknown',
      reason: 'NothingApplied',
      message: result.error ? `nothing applied: ${result.error.message}` : 'no object was applied',
    };
  }
  return {
    type: 'Healthy',
    status: 'True',
    reason: 'Current',
    message: `${result.health.length} object(s) current`,
  };
}

/**
 * The Healthy condition after a watch saw an applied object's health change between syncs; undefined
 * when `current` (the last sync's) does not speak of applied objects (the sync was refused or failed).
 */
export function healthAfterChange(
  current: ConditionUpdate | undefined,
  verdicts: readonly HealthVerdict[],
): ConditionUpdate | undefined {
  if (current === undefined || !['True', 'False', 'Unknown'].includes(current.status)) return undefined;
  if (current.status === 'Unknown' && current.reason !== 'Progressing') return undefined;
  return healthyCondition({ health: [...verdicts] });
}
