/** Shared helpers for the policy tests (not part of the public API). */

import { filterTags } from './candidates.ts';
import type { ChooseResult } from './choose.ts';
import { chooseLatestTag } from './choose.ts';
import { type AnnotationPolicy, policyFromAnnotations, type TagPolicy } from './policy.ts';
import type { Result } from './result.ts';
import { type ImagePolicyRules, policyFromSpec } from './spec.ts';

/** Unwraps a result that a test expects to succeed, failing loudly with the policy error otherwise. */
export function must<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.message}`);
  return result.value;
}

/** A policy from annotations or a spec, whichever the case gives. */
export function policyOf(source: AnnotationPolicy | { readonly spec: ImagePolicyRules }): TagPolicy {
  return 'spec' in source ? must(policyFromSpec(source.spec)) : must(policyFromAnnotations(source));
}

/** Build times from `{tag: ISO string}`; minutes since 2024-01-01 when given a number. */
export function createdMap(times: Readonly<Record<string, string | number>>): Map<string, Date> {
  const base = Date.parse('2024-01-01T00:00:00Z');
  return new Map(
    Object.entries(times).map(([tag, t]) => [
      tag,
      typeof t === 'number' ? new Date(base + t * 60_000) : new Date(t),
    ]),
  );
}

/** Filter then choose, as the automation loop does. */
export function choose(
  policy: TagPolicy,
  tags: readonly string[],
  current?: string,
  created?: ReadonlyMap<string, Date>,
): ChooseResult {
  return chooseLatestTag({ policy, candidates: filterTags(tags, policy), current, created });
}
