/** Turning a revert into a report: which fields changed, from what, and who changed them. */
import type { KubeObject } from '../kube/types.ts';
import { describeChanges, diffObjects } from './diff.ts';
import { latestOtherManager, ownersOf } from './field-ownership.ts';
import type { FieldChange } from './types.ts';

/** Fields a revert put back, and the managers that had changed them. */
export interface RevertDetails {
  kind: 'changed' | 'deleted';
  changes: FieldChange[];
  managers: string[];
}

/**
 * Compares the drifted object with the reverted one and names, per field, the manager that
 * owned the drifted value (from the drifted object's managedFields). A field someone removed has
 * no owner any more; the most recent other writer is named then.
 */
export function revertDetails(
  drifted: KubeObject | undefined,
  reverted: KubeObject,
  fieldManager: string,
): RevertDetails {
  if (!drifted) return { kind: 'deleted', changes: [], managers: [] };
  const entries = drifted.metadata.managedFields ?? [];
  const fallback = latestOtherManager(entries, fieldManager);
  const changes: FieldChange[] = diffObjects(drifted, reverted).map(({ at, ...change }) => {
    const owners = change.from === '(absent)' ? [] : ownersOf(entries, at, drifted, fieldManager);
    const manager = owners.length > 0 ? owners.join(', ') : fallback;
    return manager === undefined ? change : { ...change, manager };
  });
  const managers = [...new Set(changes.flatMap((c) => (c.manager ? c.manager.split(', ') : [])))];
  return { kind: 'changed', changes, managers };
}

/** `Deployment my-demo/fluxdemo: spec.replicas 4 -> 1 (changed by kubectl)`. */
export function driftMessage(object: string, details: RevertDetails): string {
  if (details.kind === 'deleted') return `${object}: deleted, recreated from Git`;
  const by = details.managers.length > 0 ? details.managers.join(', ') : 'an unknown manager';
  const what = details.changes.length > 0 ? describeChanges(details.changes) : 'field ownership';
  return `${object}: ${what} (changed by ${by})`;
}
