import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { filterTags } from './candidates.ts';
import { choose, createdMap, policyOf } from './choose.test-support.ts';
import { chooseLatestTag } from './choose.ts';
import type { TagPolicy } from './policy.ts';

describe('chooseLatestTag: result details', () => {
  test('counts candidates and those missing a build time', () => {
    const result = choose(
      policyOf({ filter: 'glob:*' }),
      ['a', 'b', 'c', 'latest'],
      'a',
      createdMap({ a: 1, b: 2 }),
    );
    assert.equal(result.candidates, 3);
    assert.equal(result.missingMetadata, 1);
    assert.equal(result.tag, 'b');
  });

  test('messages name the winner, the current tag and the ordering', () => {
    const result = choose(policyOf({ filter: 'semver:^1' }), ['1.0.0', 'v1.2.0'], '1.0.0');
    assert.equal(
      result.message,
      '"v1.2.0" (1.2.0) ranks above current "1.0.0" (1.0.0) (semver, highest first)',
    );
  });

  test('never downgrading is said in the message', () => {
    const result = choose(policyOf({ filter: 'semver:^1' }), ['1.0.0'], '1.5.0');
    assert.match(result.message, /never downgrading/);
  });

  test('a current tag outside the filter is explained', () => {
    const result = choose(
      policyOf({ filter: 'glob:main-*' }),
      ['main-1'],
      'dev-1',
      createdMap({ 'main-1': 1 }),
    );
    assert.equal(
      result.message,
      'current "dev-1" cannot be ordered under this policy ("dev-1" does not match glob "main-*"); "main-1" (2024-01-01T00:01:00.000Z) wins',
    );
  });

  test('no match names the filter and the ordering that rejected the rest', () => {
    const result = choose(policyOf({ filter: 'glob:build-*', sort: 'numerical' }), ['build-1']);
    assert.equal(result.message, 'no tag matches glob:build-* and has a numerical value');
  });

  test('a missing-metadata result names the ordering that needs it', () => {
    const result = choose(policyOf({ filter: 'glob:*' }), ['a'], undefined, new Map());
    assert.equal(
      result.message,
      'none of 1 candidates has a known build time, which newest-build ordering needs',
    );
  });

  test('invalid Dates count as unknown build times', () => {
    const result = choose(
      policyOf({ filter: 'glob:*' }),
      ['a', 'b'],
      undefined,
      new Map([['a', new Date('x')]]),
    );
    assert.equal(result.reason, 'MissingMetadata');
  });

  test('the created lookup may be a function', () => {
    const policy = policyOf({ filter: 'glob:*' });
    const times: Record<string, number> = { a: 1, b: 2 };
    const lookup = (tag: string) => (times[tag] === undefined ? undefined : new Date(times[tag]));
    const result = chooseWith(policy, ['a', 'b'], lookup);
    assert.equal(result.tag, 'b');
  });
});

function chooseWith(policy: TagPolicy, tags: readonly string[], created: (tag: string) => Date | undefined) {
  return chooseLatestTag({ policy, candidates: filterTags(tags, policy), created });
}
