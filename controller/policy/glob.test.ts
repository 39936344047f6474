import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import micromatch from 'micromatch';
import { must } from './choose.test-support.ts';
import { compileGlob } from './glob.ts';

describe('glob dialect (micromatch, whole tag)', () => {
  const cases = [
    { pattern: '*', tag: 'anything-1.0', expected: true },
    { pattern: 'develop-*', tag: 'develop-', expected: true },
    { pattern: 'develop-*', tag: 'my-develop-1', expected: false },
    { pattern: 'v?', tag: 'v1', expected: true },
    { pattern: 'v?', tag: 'v10', expected: false },
    { pattern: '{main,release}-*', tag: 'release-2', expected: true },
    { pattern: 'v{1..3}', tag: 'v2', expected: true },
    { pattern: 'v{1..3}', tag: 'v4', expected: false },
    { pattern: 'build-[0-4]', tag: 'build-3', expected: true },
    { pattern: 'build-[^0-4]', tag: 'build-3', expected: false },
    { pattern: 'build-[^0-4]', tag: 'build-7', expected: true },
    // micromatch reads `!` inside brackets literally: [!0-4] is "!" or 0-4, not a negation.
    { pattern: 'build-[!0-4]', tag: 'build-3', expected: true },
    { pattern: '!*-rc*', tag: '1.0-rc1', expected: false },
    { pattern: '!*-rc*', tag: '1.0', expected: true },
    { pattern: '*.*', tag: 'v1.0', expected: true },
    { pattern: '1.0', tag: '1x0', expected: false },
  ];
  for (const c of cases) {
    test(`${c.pattern} ${c.expected ? 'matches' : 'rejects'} ${c.tag}`, () => {
      assert.equal(must(compileGlob(c.pattern))(c.tag), c.expected);
    });
  }
});

test('agrees with micromatch.isMatch (property)', () => {
  const part = fc.constantFrom(
    '*',
    '?',
    'v',
    '1',
    '.',
    '-',
    'rc',
    '[0-9]',
    '{a,b}',
    '!',
    'a',
    'b',
    '[',
    ']',
    '(',
    ')',
    '+',
    '@',
  );
  const pattern = fc.array(part, { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
  const tag = fc.stringMatching(/^[a-z0-9v][a-z0-9.+()\-[\]!]{0,8}$/);
  let refused = 0;
  fc.assert(
    fc.property(pattern, tag, (p, t) => {
      let expected: boolean;
      try {
        expected = micromatch.isMatch(t, p);
      } catch {
        assert.equal(compileGlob(p).ok, false, p);
        return;
      }
      const compiled = compileGlob(p);
      // Fail closed: a glob the linear-time matcher cannot run is refused, never guessed at.
      if (!compiled.ok && compiled.error.message.includes('needs lookaround')) {
        refused += 1;
        return;
      }
      assert.equal(must(compiled)(t), expected, `${p} on ${t}`);
    }),
    { numRuns: 5000 },
  );
  // Only extglobs need lookaround; they are a small share of the generated patterns.
  assert.ok(refused < 500, `${refused} of 5000 refused`);
});
