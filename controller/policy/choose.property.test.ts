import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import semver from 'semver';
import { classifyTag, filterTags, rejectionOf } from './candidates.ts';
import { policyOf } from './choose.test-support.ts';
import { chooseLatestTag } from './choose.ts';
import { compareRank, createdOf, resolveOrdering, toOrdered } from './ordering.ts';
import type { TagPolicy } from './policy.ts';
import { listCandidates } from './rank.ts';

const policies: Record<string, TagPolicy> = {
  globAny: policyOf({ filter: 'glob:*' }),
  globPrefix: policyOf({ filter: 'glob:v*' }),
  globDesc: policyOf({ filter: 'glob:*', sort: 'newest-build:desc' }),
  semver: policyOf({ filter: 'semver:^1' }),
  semverDesc: policyOf({ filter: 'semver:>=0.1.0', sort: 'semver:desc' }),
  semverPre: policyOf({ spec: { policy: { semver: { range: '>=1.0.0-0', includePrerelease: true } } } }),
  regex: policyOf({ filter: 'regex:\\d' }),
  regexVersion: policyOf({ filter: 'regex:^b-(?<version>.+)$' }),
  numerical: policyOf({ spec: { policy: { numerical: {} } } }),
  numericalDesc: policyOf({ spec: { policy: { numerical: { order: 'desc' } } } }),
  alphabetical: policyOf({ spec: { policy: { alphabetical: {} } } }),
  newestBuild: policyOf({ spec: { policy: { newestBuild: {} } } }),
  extract: policyOf({
    spec: {
      policy: { numerical: {} },
      filterTags: { pattern: '^b-(?<n>\\d+)', extract: '$n' },
      exclude: ['*-9'],
    },
  }),
};

const tagArb = fc.oneof(
  fc
    .tuple(fc.constantFrom('', 'v'), fc.nat({ max: 3 }), fc.nat({ max: 12 }), fc.nat({ max: 3 }))
    .map(([v, a, b, c]) => `${v}${a}.${b}.${c}`),
  fc
    .tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 3 }))
    .map(([a, b, n]) => `${a}.${b}.0-rc.${n}`),
  fc.nat({ max: 200 }).map(String),
  fc.nat({ max: 30 }).map((n) => `b-${n}`),
  fc.constantFrom('latest', 'b-x', 'main', 'v', 'b-9'),
  fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,6}$/),
);

const scenario = fc.record({
  policy: fc.constantFrom(...Object.keys(policies)),
  tags: fc.uniqueArray(tagArb, { maxLength: 25 }),
  current: fc.option(tagArb, { nil: undefined }),
  // Few distinct minutes so that equal build times (ties) are common.
  times: fc.dictionary(tagArb, fc.nat({ max: 5 })),
});

function setup(s: {
  policy: string;
  tags: string[];
  current: string | undefined;
  times: Record<string, number>;
}) {
  const policy = policies[s.policy];
  assert.ok(policy);
  const created = new Map(Object.entries(s.times).map(([tag, minute]) => [tag, new Date(minute * 60_000)]));
  const candidates = filterTags(s.tags, policy);
  const result = chooseLatestTag({ policy, candidates, current: s.current, created });
  return { policy, created, candidates, result };
}

describe('chooseLatestTag properties', () => {
  test('the chosen tag is never older than an orderable current tag', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { policy, created, candidates, result } = setup(s);
        if (s.current === undefined || result.tag === undefined) return;
        const ordering = resolveOrdering(policy.definition.ordering, candidates);
        const lookup = createdOf(created);
        const cur = classifyTag(s.current, policy);
        const mine = typeof cur === 'string' ? undefined : toOrdered(cur, ordering, lookup);
        if (mine === undefined) return;
        const chosen = classifyTag(result.tag, policy);
        assert.ok(typeof chosen !== 'string');
        const theirs = toOrdered(chosen, ordering, lookup);
        assert.ok(theirs);
        assert.ok(compareRank(ordering, theirs, mine) >= 0, `${result.tag} below current ${s.current}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('semver: the chosen version is >= an in-range current (node-semver as oracle)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { result } = setup({ ...s, policy: 'semver' });
        if (s.current === undefined || result.tag === undefined) return;
        if (!semver.valid(s.current) || !semver.satisfies(s.current, '^1')) return;
        assert.ok(semver.gte(result.tag, s.current), `${result.tag} < ${s.current}`);
      }),
      { numRuns: 2000 },
    );
  });

  test('the result never holds a tag the filter rejects', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { policy, result } = setup(s);
        if (result.tag !== undefined) assert.equal(rejectionOf(result.tag, policy), undefined);
        assert.equal(result.update, result.tag !== undefined && result.tag !== s.current);
      }),
      { numRuns: 3000 },
    );
  });

  test('without a current tag the winner is the head of the listing', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { policy, created, candidates, result } = setup({ ...s, current: undefined });
        const listed = listCandidates({ policy, candidates, created });
        assert.equal(result.tag, listed[0]?.tag);
      }),
      { numRuns: 2000 },
    );
  });

  test('the choice does not depend on the order of the tag list', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, seed) => {
        const shuffled = [...s.tags].sort((a, b) => hash(a, seed) - hash(b, seed) || (a < b ? -1 : 1));
        assert.equal(setup(s).result.tag, setup({ ...s, tags: shuffled }).result.tag);
      }),
      { numRuns: 1000 },
    );
  });
});

function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 2654435761);
  return h;
}
