// Helpers for metav1.Conditions: set one keeping lastTransitionTime when the status is unchanged,
// and read one.
import type { Condition } from './types.ts';

/** The fields a caller decides; the helper fills lastTransitionTime and observedGeneration. */
export interface ConditionUpdate {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

/**
 * Returns `conditions` with `update` set: lastTransitionTime moves only when the status changes,
 * as kubectl users and kstatus expect.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  options: { now: Date; generation?: number },
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((condition) => condition.type === update.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime:
      previous && previous.status === update.status ? previous.lastTransitionTime : options.now.toISOString(),
    ...(options.generation !== undefined ? { observedGeneration: options.generation } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** The condition of `type`, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** Removes the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((condition) => condition.type !== type);
}

/** True when the condition of `type` has status True. */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}
