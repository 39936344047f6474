/**
 * User patterns cannot stall the process (DESIGN §0 promise 4, §6 last row). On the old
 * backtracking engine `^(a+)+$` against 128 characters never finished, and the 10-star glob took
 * 24 s against 41 characters. The bound here is 20× the 50 ms target so a loaded CI machine
 * cannot flake it (measured: 1–5 ms each on RE2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import micromatch from 'micromatch';
import { classifyTag } from './candidates.ts';
import { must } from './choose.test-support.ts';
import { compileGlob } from './glob.ts';
import { policyFromAnnotations } from './policy.ts';
import { compileRegex } from './regex.ts';

const BOUND_MS = 1000;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

describe('user patterns run in linear time on 128-character tags', () => {
  const cases = [
    {
      name: 'nested quantifier regex',
      filter: 'regex:^(a+)+$',
      tag: `${'a'.repeat(127)}!`,
      expected: 'NoMatch',
    },
    {
      name: 'nested quantifier regex, matching',
      filter: 'regex:^(a+)+$',
      tag: 'a'.repeat(128),
      expected: 'candidate',
    },
    {
      name: 'version group over a nested quantifier',
      filter: 'regex:^(?<version>(\\d+)+)x$',
      tag: `${'1'.repeat(127)}!`,
      expected: 'NoMatch',
    },
    // The worst the V8 fast path allows (regex-fast.ts): two quantifiers over the same characters
    // anchored, one unanchored; both backtrack at most 128² steps on a 128-character tag.
    {
      name: 'two overlapping quantifiers on the V8 path',
      filter: 'regex:^a*a*$',
      tag: `${'a'.repeat(127)}!`,
      expected: 'NoMatch',
    },
    {
      name: 'one unanchored quantifier on the V8 path',
      filter: 'regex:a*b',
      tag: 'a'.repeat(128),
      expected: 'NoMatch',
    },
    {
      name: '10-star glob',
      filter: `glob:${'*a'.repeat(10)}`,
      tag: `${'a'.repeat(127)}b`,
      expected: 'NoMatch',
    },
    {
      name: '10-star glob, matching',
      filter: `glob:${'*a'.repeat(10)}`,
      tag: 'a'.repeat(128),
      expected: 'candidate',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const policy = must(policyFromAnnotations({ filter: c.filter }));
      const { value, ms } = timed(() => classifyTag(c.tag, policy));
      assert.equal(typeof value === 'string' ? value : 'candidate', c.expected);
      assert.ok(ms < BOUND_MS, `${c.filter} took ${ms.toFixed(1)} ms`);
    });
  }
});

test('a glob answers the same on the fast path and on RE2 (values over 256 characters)', () => {
  for (const [pattern, tag] of [
    ['develop-*', `develop-${'x'.repeat(300)}`],
    ['*-rc*', `${'1'.repeat(300)}-rc1`],
    ['!*-rc*', `${'1'.repeat(300)}-rc1`],
    ['!*-rc*', '1'.repeat(300)],
    ['v?', `v${'1'.repeat(300)}`],
  ] as const) {
    const glob = must(compileGlob(pattern));
    assert.equal(glob(tag), micromatch.isMatch(tag, pattern), `${pattern} on ${tag.length} characters`);
  }
});

describe('patterns RE2 cannot run fail closed with a clear message', () => {
  const cases = [
    { name: 'backreference', pattern: '^(a)\\1$', says: 'backreferences (\\1…\\9) are not supported' },
    { name: 'lookahead', pattern: '^v(?=1)', says: 'lookaround' },
    { name: 'negative lookbehind', pattern: '(?<!rc)$', says: 'lookaround' },
    { name: 'named backreference', pattern: '(?<x>a)\\k<x>', says: 'named backreferences' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = compileRegex(c.pattern);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.error.code, 'InvalidPolicy');
      assert.ok(result.error.message.includes(c.says), result.error.message);
      assert.ok(result.error.message.includes('RE2'), result.error.message);
    });
  }

  test('an escaped backslash before a digit is not a backreference', () => {
    assert.equal(must(compileRegex('^a\\\\1$')).test('a\\1'), true);
  });

  test('a 10-star glob with an extglob negation is refused, not guessed', () => {
    const result = policyFromAnnotations({ filter: 'glob:!(a|b)' });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error.message, /needs lookaround/);
  });
});
