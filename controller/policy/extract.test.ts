import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { must } from './choose.test-support.ts';
import { compileExtract, expandExtract } from './extract.ts';
import { compileRegex, regexGroups } from './regex.ts';

function expand(pattern: string, template: string, tag: string): string | undefined {
  const re = must(compileRegex(pattern));
  const match = re.exec(tag);
  if (match === null) return undefined;
  return expandExtract(must(compileExtract(template, regexGroups(re))), match);
}

// biome-ignore-start lint/suspicious/noTemplateCurlyInString: Go-style extract templates, not JS ones
describe('extract templates (Go regexp.Expand semantics)', () => {
  const cases = [
    {
      name: 'named group',
      pattern: '^main-(?<ts>\\d+)',
      template: '$ts',
      tag: 'main-123-x',
      expected: '123',
    },
    {
      name: 'braced name',
      pattern: '^main-(?<ts>\\d+)',
      template: '${ts}-z',
      tag: 'main-123',
      expected: '123-z',
    },
    {
      name: 'Go named group syntax',
      pattern: '^(?P<a>\\w)-(?P<b>\\w)',
      template: '$b$a',
      tag: 'x-y',
      expected: 'yx',
    },
    { name: 'numbered group', pattern: '^(\\d+)\\.(\\d+)', template: '$2.$1', tag: '3.4', expected: '4.3' },
    { name: 'whole match', pattern: '\\d+', template: '<$0>', tag: 'ab12cd', expected: '<12>' },
    { name: 'literal dollar', pattern: '(\\d+)', template: '$$$1', tag: '7', expected: '$7' },
    {
      name: 'dollar not starting a reference is text',
      pattern: '(\\d+)',
      template: '$-$1',
      tag: '7',
      expected: '$-7',
    },
    {
      name: 'unmatched optional group is empty',
      pattern: '^(a)?(b)',
      template: '[$1$2]',
      tag: 'b',
      expected: '[b]',
    },
    {
      name: 'unanchored pattern',
      pattern: 'v(?<n>\\d+)',
      template: '$n',
      tag: 'release-v42-final',
      expected: '42',
    },
    { name: 'no match', pattern: '^main-', template: '$0', tag: 'dev', expected: undefined },
  ];
  for (const c of cases) test(c.name, () => assert.equal(expand(c.pattern, c.template, c.tag), c.expected));
});

describe('extract template errors', () => {
  const cases = [
    {
      template: '$ts',
      pattern: '(?<t>x)',
      expected: 'extract "$ts" refers to group "ts" which the pattern does not define',
    },
    {
      template: '$1x',
      pattern: '(x)',
      expected:
        'extract "$1x" refers to group "1x" which the pattern does not define (write ${1}x for group 1 followed by text)',
    },
    {
      template: '${3}',
      pattern: '(x)(y)',
      expected: 'extract "${3}" refers to group 3 but the pattern has 2',
    },
  ];
  for (const c of cases) {
    test(c.template, () => {
      const re = must(compileRegex(c.pattern));
      assert.deepEqual(compileExtract(c.template, regexGroups(re)), {
        ok: false,
        error: { code: 'InvalidPolicy', message: c.expected },
      });
    });
  }
});
// biome-ignore-end lint/suspicious/noTemplateCurlyInString: Go-style extract templates, not JS ones

describe('regexGroups', () => {
  test('counts groups and names without a matching input', () => {
    const groups = regexGroups(must(compileRegex('^(a)(?<x>b)(?:c)(?<y>d)?')));
    assert.equal(groups.count, 3);
    assert.deepEqual([...groups.names].sort(), ['x', 'y']);
  });
  test('Go-style (?P<name>) groups are named groups too', () => {
    assert.deepEqual([...regexGroups(must(compileRegex('^(?P<ts>\\d+)'))).names], ['ts']);
  });
});
