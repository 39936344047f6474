import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { anchoredLiteralPrefix, compileRegex } from './regex.ts';
import { fastRegex } from './regex-fast.ts';

describe('anchoredLiteralPrefix', () => {
  const cases: [pattern: string, prefix: string][] = [
    ['^build-(?<version>\\d+)$', 'build-'],
    ['^main-[a-f0-9]+-(?P<ts>[0-9]+)', 'main-'],
    ['^v1\\.2\\.(\\d+)$', 'v1.2.'],
    ['^release/2024-', 'release/2024-'],
    // a quantified character may be absent: the prefix ends before it
    ['^v?(\\d+)', ''],
    ['^ab*c', 'a'],
    ['^ab{2}c', 'a'],
    ['^a\\.?b', 'a'],
    // not anchored, alternation, flags, classes and escapes other than punctuation end it
    ['build-(\\d+)', ''],
    ['^a|^b', ''],
    ['^(?:a|b)c', ''],
    ['^(?i)build', ''],
    ['^abc(?i)def', ''],
    ['^a(?i)?b', ''],
    ['^a(?-s:.)', ''],
    ['^[b]uild', ''],
    ['^\\d+', ''],
    ['^\\Qa.b\\E', ''],
    ['^a$', 'a'],
    ['^é', ''],
  ];
  for (const [pattern, prefix] of cases) {
    test(`${pattern} -> "${prefix}"`, () => assert.equal(anchoredLiteralPrefix(pattern), prefix));
  }
});

describe('compileRegex with the literal-prefix check', () => {
  test('refuses a tag without the prefix, matches one with it, groups as before', () => {
    const re = compileRegex('^build-(?<version>\\d+)$');
    assert.ok(re.ok);
    assert.equal(re.value.test('pr-12'), false);
    assert.equal(re.value.exec('pr-12'), null);
    assert.equal(re.value.capture('pr-12', 'version'), null);
    assert.equal(re.value.capture('build-12', 'version'), '12');
    assert.equal(re.value.exec('build-12')?.groups.version, '12');
  });

  // Patterns and values from a small alphabet, so prefixes, quantifiers and alternation meet often:
  // the check never changes what RE2 alone answers.
  test('answers exactly what RE2 alone answers (property)', () => {
    const atom = fc.constantFrom(
      'a',
      'b',
      '-',
      '\\.',
      '.',
      '\\d',
      '1',
      '[ab]',
      '(a)',
      '(?:b)',
      '|',
      '(?i)',
      '$',
    );
    const quantifier = fc.constantFrom('', '', '', '?', '*', '+', '{2}', '{0,1}');
    const pattern = fc
      .tuple(fc.boolean(), fc.array(fc.tuple(atom, quantifier), { maxLength: 6 }))
      .map(([anchored, parts]) => `${anchored ? '^' : ''}${parts.map(([a, q]) => a + q).join('')}`);
    const value = fc
      .array(fc.constantFrom('a', 'b', 'A', '-', '.', '1', '2'), { maxLength: 8 })
      .map((c) => c.join(''));
    fc.assert(
      fc.property(pattern, fc.array(value, { minLength: 1, maxLength: 8 }), (source, values) => {
        if (source === '') return; // compileRegex refuses the empty pattern
        let plain: RE2JS;
        try {
          plain = RE2JS.compile(source);
        } catch {
          return; // not a pattern RE2 accepts; compileRegex refuses it too
        }
        const re = compileRegex(source);
        assert.ok(re.ok, source);
        for (const v of values) {
          assert.equal(re.value.test(v), plain.test(v), `${source} test ${v}`);
          const m = plain.matcher(v);
          assert.equal(re.value.exec(v)?.[0] ?? null, m.find() ? m.group(0) : null, `${source} exec ${v}`);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('fastRegex', () => {
  const fastCases: [pattern: string, v8: string | undefined][] = [
    ['^build-(?<version>\\d+)$', '^build-(?<version>\\d+)$'],
    ['^main-[a-fA-F0-9]+-(?P<ts>.*)', '^main-[a-fA-F0-9]+-(?<ts>[^\\n]*)'],
    ['^v1\\.2\\.\\d{1,3}$', '^v1\\.2\\.\\d{1,3}$'],
    ['^[\\-_.]x', '^[\\-_\\.]x'],
    ['rc\\d+', 'rc\\d+'],
    ['^a{2}b?c*$', '^a{2}b?c*$'],
    // three quantifiers anchored, two unanchored: RE2
    ['^v?(\\d+)\\.(\\d+)$', undefined],
    ['\\d+-\\d+', undefined],
    // a quantified group, alternation, flags, classes and escapes V8 reads otherwise: RE2
    ['^(a+)+$', undefined],
    ['^(?:ab)*$', undefined],
    ['^(a|b)$', undefined],
    ['(?i)^build', undefined],
    ['^\\s', undefined],
    ['^\\bx', undefined],
    ['^[[:alpha:]]', undefined],
    ['^\\pL', undefined],
    ['^a{,2}', undefined],
    ['^é', undefined],
    ['^[a-]', undefined],
    ['^a$b', undefined],
  ];
  for (const [pattern, v8] of fastCases) {
    test(`${pattern} -> ${v8 ?? 'RE2'}`, () => assert.equal(fastRegex(pattern)?.source, v8));
  }

  test('a value longer than 128 characters runs on RE2, with the same answer', () => {
    const re = compileRegex('^a(?<rest>b*)$');
    assert.ok(re.ok);
    const long = `a${'b'.repeat(300)}`;
    assert.equal(re.value.capture(long, 'rest'), 'b'.repeat(300));
    assert.equal(re.value.capture(`${long}c`, 'rest'), null);
  });

  // Patterns in and out of the simple subset, over values that exercise them: whenever a pattern
  // takes the V8 path, V8 and RE2 find the same match with the same groups.
  test('V8 and RE2 agree on every pattern the fast path takes (property)', () => {
    const atom = fc.constantFrom(
      'a',
      'b',
      '-',
      '_',
      '\\.',
      '\\-',
      '.',
      '\\d',
      '\\D',
      '\\w',
      '\\W',
      '1',
      '[ab]',
      '[^a]',
      '[a-c1]',
      '[\\-.]',
      '(a)',
      '(?:b)',
      '(?P<v>\\d)',
      '(?<w>a)',
      '(',
      ')',
      '$',
    );
    const quantifier = fc.constantFrom('', '', '', '?', '*', '+', '{2}', '{0,1}', '{1,}', '*?', '+?');
    const pattern = fc
      .tuple(fc.boolean(), fc.array(fc.tuple(atom, quantifier), { minLength: 1, maxLength: 6 }))
      .map(([anchored, parts]) => `${anchored ? '^' : ''}${parts.map(([a, q]) => a + q).join('')}`);
    const value = fc
      .array(fc.constantFrom('a', 'b', 'c', '-', '_', '.', '1', '2', '\n', 'é', '😀'), { maxLength: 10 })
      .map((c) => c.join(''));
    let fastTaken = 0;
    fc.assert(
      fc.property(pattern, fc.array(value, { minLength: 1, maxLength: 8 }), (source, values) => {
        let plain: RE2JS;
        try {
          plain = RE2JS.compile(source);
        } catch {
          return;
        }
        const v8 = fastRegex(source);
        if (v8 === undefined) return;
        fastTaken++;
        const names = Object.keys(plain.namedGroups());
        for (const v of values) {
          const m = plain.matcher(v);
          type Found = { all: (string | undefined)[]; named: Record<string, string | undefined> } | null;
          const re2: Found = m.find()
            ? {
                all: Array.from({ length: plain.groupCount() + 1 }, (_, i) => m.group(i) ?? undefined),
                named: Object.fromEntries(names.map((n) => [n, m.group(n) ?? undefined])),
              }
            : null;
          const found: RegExpExecArray | null = v8.exec(v);
          const ours: Found = found
            ? { all: [...found], named: Object.fromEntries(names.map((n) => [n, found.groups?.[n]])) }
            : null;
          assert.deepEqual(ours, re2, `${source} on ${JSON.stringify(v)}`);
        }
      }),
      { numRuns: 5000 },
    );
    assert.ok(fastTaken > 1000, `only ${fastTaken} patterns took the fast path`);
  });
});
