import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import semver from 'semver';
import { filterTags } from './candidates.ts';
import { choose, policyOf } from './choose.test-support.ts';
import { listCandidates } from './rank.ts';

// Correctness on 100,000-tag inputs (timing lives in test/bench/policy-choose.ts).
const N = 100_000;

/** A fixed permutation of 0..n-1, so the winner is not simply the last tag listed. */
function scrambled(i: number): number {
  return (i * 7919) % N;
}

describe('100,000 tags', () => {
  test('glob + newest build: the newest matching build wins', () => {
    const tags: string[] = [];
    const created = new Map<string, Date>();
    for (let i = 0; i < N; i++) {
      const tag = i % 4 === 0 ? `main-${i}` : `develop-${i}`;
      tags.push(tag);
      created.set(tag, new Date(Date.UTC(2024, 0, 1) + scrambled(i) * 1000));
    }
    // The newest build of all is a main- tag, which the glob rejects.
    const newestDevelop = tags
      .filter((t) => t.startsWith('develop-'))
      .reduce((a, b) => ((created.get(a)?.getTime() ?? 0) >= (created.get(b)?.getTime() ?? 0) ? a : b));
    const result = choose(policyOf({ filter: 'glob:develop-*' }), tags, 'develop-1', created);
    assert.equal(result.tag, newestDevelop);
    assert.equal(result.candidates, 75_000);
    assert.equal(result.reason, 'Newer');
  });

  test('semver: agrees with node-semver maxSatisfying', () => {
    const tags: string[] = [];
    for (let i = 0; i < N; i++) {
      const n = scrambled(i);
      const pre = n % 5 === 0 ? `-rc.${n % 7}` : '';
      tags.push(`${i % 2 ? 'v' : ''}${n % 4}.${Math.floor(n / 4) % 50}.${Math.floor(n / 200)}${pre}`);
    }
    tags.push('latest', 'nightly', '3.99.99');
    const expected = semver.maxSatisfying(
      tags.filter((t) => semver.valid(t) !== null),
      '^2.1',
    );
    assert.ok(expected);
    const result = choose(policyOf({ filter: 'semver:^2.1' }), tags, '2.1.0');
    assert.equal(result.tag, expected);
  });

  test('regex version group: the highest build number wins', () => {
    const tags = Array.from({ length: N }, (_, i) =>
      i % 3 === 0 ? `pr-${scrambled(i)}` : `build-${scrambled(i)}`,
    );
    const result = choose(policyOf({ filter: 'regex:^build-(?<version>\\d+)$' }), tags, 'build-5');
    const highest = Math.max(...tags.filter((t) => t.startsWith('build-')).map((t) => Number(t.slice(6))));
    assert.equal(result.tag, `build-${highest}`);
    assert.equal(result.candidates, N - Math.ceil(N / 3));
  });

  test('numerical with filterTags extract and noise', () => {
    const tags = Array.from(
      { length: N },
      (_, i) => `main-${(scrambled(i) * 31).toString(16)}-${1_700_000_000 + scrambled(i)}`,
    );
    tags.push('main-zzz-2000000000', 'latest', 'dev-abc-1999999999');
    const policy = policyOf({
      spec: {
        policy: { numerical: {} },
        filterTags: { pattern: '^main-[a-f0-9]+-(?<ts>\\d+)$', extract: '$ts' },
      },
    });
    const result = choose(policy, tags);
    assert.equal(result.tag, `main-${(99_999 * 31).toString(16)}-${1_700_000_000 + 99_999}`);
    assert.equal(result.candidates, N);
  });

  test('current already the best: up to date', () => {
    const tags = Array.from({ length: N }, (_, i) => String(scrambled(i)));
    const result = choose(policyOf({ spec: { policy: { numerical: {} } } }), tags, '99999');
    assert.deepEqual([result.tag, result.reason, result.update], ['99999', 'UpToDate', false]);
  });

  test('the listing is complete and best first', () => {
    const tags = Array.from({ length: N }, (_, i) => String(scrambled(i)));
    const policy = policyOf({ spec: { policy: { numerical: { order: 'desc' } } } });
    const listed = listCandidates({ policy, candidates: filterTags(tags, policy) });
    assert.equal(listed.length, N);
    assert.deepEqual(
      listed.slice(0, 3).map((t) => t.tag),
      ['0', '1', '2'],
    );
    assert.equal(listed.at(-1)?.tag, '99999');
  });
});
