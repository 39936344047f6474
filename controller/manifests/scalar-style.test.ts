import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderScalar } from './scalar-style.ts';
import type { ScalarSite, ScalarStyle } from './types.ts';

function site(style: ScalarStyle, options: { inFlow?: boolean } = {}): ScalarSite {
  const { inFlow = false } = options;
  return { range: { start: 0, end: 0 }, line: 1, style, inFlow, shared: false };
}

describe('renderScalar', () => {
  const table: Array<[string, string, ScalarSite, string | undefined]> = [
    ['plain stays plain', 'ghcr.io/a/b:1.2', site('PLAIN'), 'ghcr.io/a/b:1.2'],
    ['plain digest stays plain', 'a:1@sha256:00', site('PLAIN'), 'a:1@sha256:00'],
    ['single stays single', 'a:1', site('QUOTE_SINGLE'), "'a:1'"],
    ['single doubles quotes', "it's", site('QUOTE_SINGLE'), "'it''s'"],
    ['double stays double', 'a:1', site('QUOTE_DOUBLE'), '"a:1"'],
    ['double escapes', 'a"b\\c', site('QUOTE_DOUBLE'), '"a\\"b\\\\c"'],
    ['a string that would read as a number is quoted', '1.10', site('PLAIN'), '"1.10"'],
    ['a string that would read as a boolean is quoted', 'yes', site('PLAIN'), '"yes"'],
    ['a plain number becomes a quoted string', '1.10', site('PLAIN'), '"1.10"'],
    ['a value single quotes cannot carry is double-quoted', 'a\u2028b', site('QUOTE_SINGLE'), '"a\\u2028b"'],
    ['DEL and C1 controls are escaped', 'a\u007f\u0085', site('QUOTE_DOUBLE'), '"a\\u007f\\u0085"'],
    ['a control character is never plain', 'a\u0001', site('PLAIN'), '"a\\u0001"'],
    ['a value with ": " cannot be plain', 'a: b', site('PLAIN'), '"a: b"'],
    ['a value with " #" cannot be plain', 'a #b', site('PLAIN'), '"a #b"'],
    ['a leading * would be an alias', '*x', site('PLAIN'), '"*x"'],
    ['a comma is fine in block context', 'a,b', site('PLAIN'), 'a,b'],
    ['a comma cannot be plain in flow context', 'a,b', site('PLAIN', { inFlow: true }), '"a,b"'],
    ['an empty value cannot be plain', '', site('PLAIN'), '""'],
    ['a control character needs double quotes', 'a\tb', site('QUOTE_SINGLE'), '"a\\tb"'],
    ['a literal block is not rewritten', 'x', site('BLOCK_LITERAL'), undefined],
    ['a folded block is not rewritten', 'x', site('BLOCK_FOLDED'), undefined],
  ];
  for (const [name, value, where, expected] of table) {
    test(name, () => {
      const rendered = renderScalar(value, where);
      assert.equal(rendered.ok ? rendered.text : undefined, expected);
    });
  }
});
