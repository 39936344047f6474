import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import semver from 'semver';
import { compareSemver, compileRange, parseSemver, SEMVER_FULL, satisfiesRange } from './semver-key.ts';

// node-semver is the oracle: this module re-implements only its evaluation, for speed.

describe('parseSemver', () => {
  const cases = [
    { input: '1.2.3', expected: { major: 1, minor: 2, patch: 3, prerelease: [] } },
    { input: 'v1.2.3', expected: { major: 1, minor: 2, patch: 3, prerelease: [] } },
    { input: '1.2.3-rc.1', expected: { major: 1, minor: 2, patch: 3, prerelease: ['rc', 1] } },
    { input: '1.2.3-rc.1+build.5', expected: { major: 1, minor: 2, patch: 3, prerelease: ['rc', 1] } },
    { input: '1.2.3+build', expected: { major: 1, minor: 2, patch: 3, prerelease: [] } },
    { input: '1.2', expected: undefined },
    { input: 'V1.2.3', expected: undefined },
    { input: 'vv1.2.3', expected: undefined },
    { input: '01.2.3', expected: undefined },
    { input: '1.2.3-01', expected: undefined },
    { input: 'latest', expected: undefined },
    { input: '1.2.3.4', expected: undefined },
    { input: '99999999999999999999.0.0', expected: undefined },
  ];
  for (const c of cases) test(c.input, () => assert.deepEqual(parseSemver(c.input), c.expected));
});

describe('compileRange', () => {
  test('empty range is an error', () => assert.equal(compileRange('', false).ok, false));
  test('garbage is an error', () => assert.equal(compileRange('not a range', false).ok, false));
  test('x-ranges, hyphens, tildes, carets and || parse', () => {
    for (const r of ['1.x', '1.2 - 2.3', '~1.2.3', '^0.1', '>=1 <2 || 3.x', '*', 'v1']) {
      assert.equal(compileRange(r, false).ok, true, r);
    }
  });
});

test('SEMVER_FULL is node-semver strict FULL regex', () => {
  const internals = semver as unknown as { re: RegExp[]; tokens: Record<string, number> };
  const full = internals.re[internals.tokens.FULL ?? -1];
  assert.equal(SEMVER_FULL.source, full?.source);
});

const id = fc.oneof(
  fc.constantFrom('alpha', 'beta', 'rc', 'x-1', '0', '1', '2', '10', '01a', 'a1'),
  fc.nat({ max: 12 }).map(String),
);
const version = fc
  .record({
    v: fc.boolean(),
    major: fc.nat({ max: 3 }),
    minor: fc.nat({ max: 3 }),
    patch: fc.nat({ max: 3 }),
    pre: fc.array(id, { maxLength: 3 }),
    build: fc.boolean(),
  })
  .map(({ v, major, minor, patch, pre, build }) => {
    const main = `${v ? 'v' : ''}${major}.${minor}.${patch}`;
    return `${main}${pre.length > 0 ? `-${pre.join('.')}` : ''}${build ? '+b.7' : ''}`;
  });
const noise = fc.constantFrom(
  'latest',
  '1.2',
  '1.2.3.4',
  '01.0.0',
  '1.0.0-',
  'v',
  '1.0.0-01',
  'master-1.2.3',
);
const tag = fc.oneof({ weight: 5, arbitrary: version }, { weight: 1, arbitrary: noise });
const bound = fc
  .record({
    op: fc.constantFrom('', '=', '<', '>', '<=', '>=', '^', '~'),
    v: fc.oneof(
      version.map((s) => s.replace(/\+.*$/, '')),
      fc.constantFrom('1', '1.x', '0.2', '*', '2.x.x'),
    ),
  })
  .map(({ op, v }) => `${op}${v}`);
const range = fc.oneof(
  fc.array(bound, { minLength: 1, maxLength: 2 }).map((b) => b.join(' ')),
  fc.tuple(bound, bound).map(([a, b]) => `${a} || ${b}`),
  fc.tuple(version, version).map(([a, b]) => `${a.replace(/\+.*$/, '')} - ${b.replace(/\+.*$/, '')}`),
);

describe('agrees with node-semver (property)', () => {
  test('parse accepts exactly what node-semver parses, with the same precedence', () => {
    fc.assert(
      fc.property(tag, (t) => {
        const mine = parseSemver(t);
        const theirs = semver.parse(t);
        assert.equal(mine === undefined, theirs === null);
        if (mine && theirs) assert.deepEqual(mine.prerelease, theirs.prerelease);
      }),
      { numRuns: 2000 },
    );
  });

  test('compare matches semver.compare', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        const x = parseSemver(a);
        const y = parseSemver(b);
        assert.ok(x && y);
        assert.equal(Math.sign(compareSemver(x, y)), semver.compare(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  test('satisfies matches semver.satisfies, with and without includePrerelease', () => {
    fc.assert(
      fc.property(version, range, fc.boolean(), (v, r, includePrerelease) => {
        const compiled = compileRange(r, includePrerelease);
        const valid = semver.validRange(r, { includePrerelease }) !== null;
        assert.equal(compiled.ok, valid, r);
        if (!compiled.ok) return;
        const parsed = parseSemver(v);
        assert.ok(parsed);
        assert.equal(
          satisfiesRange(compiled.value, parsed),
          semver.satisfies(v, r, { includePrerelease }),
          `${v} in ${r}`,
        );
      }),
      { numRuns: 5000 },
    );
  });
});

describe('pre-release rule (table)', () => {
  const cases = [
    { v: '1.1.0-rc.1', range: '^1.0.0', pre: false, expected: false },
    { v: '1.1.0-rc.1', range: '^1.0.0', pre: true, expected: true },
    { v: '1.2.3-rc.2', range: '^1.2.3-rc.1', pre: false, expected: true },
    { v: '1.2.4-rc.1', range: '^1.2.3-rc.1', pre: false, expected: false },
    { v: '2.0.0-rc.1', range: '^1.0.0', pre: true, expected: false },
    { v: '1.0.0-rc.1', range: '*', pre: false, expected: false },
    { v: '1.0.0-rc.1', range: '*', pre: true, expected: true },
  ];
  for (const c of cases) {
    test(`${c.v} in ${c.range}${c.pre ? ' (includePrerelease)' : ''}`, () => {
      const r = compileRange(c.range, c.pre);
      const v = parseSemver(c.v);
      assert.ok(r.ok && v);
      assert.equal(satisfiesRange(r.value, v), c.expected);
    });
  }
});
