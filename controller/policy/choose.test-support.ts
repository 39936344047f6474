/** Shared helpers for the policy tests (test support, not production code). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { filterTags } from './candidates.ts';
import type { ChooseReason, ChooseResult } from './choose.ts';
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

/** One row of a chooseLatestTag table test. */
export interface ChooseCase {
  readonly name: string;
  readonly policy: AnnotationPolicy | { readonly spec: ImagePolicyRules };
  readonly tags: readonly string[];
  readonly current?: string;
  /** Build times in minutes after 2024-01-01. */
  readonly created?: Readonly<Record<string, number>>;
  readonly expected: { readonly tag: string | undefined; readonly reason: ChooseReason };
}

/** Runs a chooseLatestTag table: the winner, the reason, and whether it is an update. */
export function runChooseCases(title: string, cases: readonly ChooseCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      test(c.name, () => {
        const policy = policyOf(c.policy);
        const result = choose(policy, c.tags, c.current, c.created && createdMap(c.created));
        assert.deepEqual({ tag: result.tag, reason: result.reason }, c.expected, result.message);
        assert.equal(result.update, c.expected.tag !== undefined && c.expected.tag !== c.current);
      });
    }
  });
}
