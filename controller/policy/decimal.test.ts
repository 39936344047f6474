import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareDecimal, parseDecimal } from './decimal.ts';

describe('parseDecimal', () => {
  const cases = [
    { input: '42', expected: { negative: false, integer: '42', fraction: '' } },
    { input: '007', expected: { negative: false, integer: '7', fraction: '' } },
    { input: '0', expected: { negative: false, integer: '', fraction: '' } },
    { input: '-0.0', expected: { negative: false, integer: '', fraction: '' } },
    { input: '-3.50', expected: { negative: true, integer: '3', fraction: '5' } },
    { input: '1.', expected: undefined },
    { input: '.5', expected: undefined },
    { input: '1e3', expected: undefined },
    { input: '0x10', expected: undefined },
    { input: 'v1', expected: undefined },
    { input: '', expected: undefined },
    { input: '+1', expected: undefined },
  ];
  for (const c of cases)
    test(JSON.stringify(c.input), () => assert.deepEqual(parseDecimal(c.input), c.expected));
});

describe('compareDecimal', () => {
  const cases = [
    { a: '10', b: '9', expected: 1 },
    { a: '9', b: '10', expected: -1 },
    { a: '007', b: '7.000', expected: 0 },
    { a: '1.5', b: '1.45', expected: 1 },
    { a: '1.4', b: '1.45', expected: -1 },
    { a: '-2', b: '-10', expected: 1 },
    { a: '-0.5', b: '0', expected: -1 },
    { a: '-3', b: '-3.0', expected: 0 },
    { a: '9007199254740993', b: '9007199254740992', expected: 1 },
  ];
  for (const c of cases) {
    test(`${c.a} vs ${c.b}`, () => {
      const a = parseDecimal(c.a);
      const b = parseDecimal(c.b);
      assert.ok(a && b);
      assert.equal(Math.sign(compareDecimal(a, b)), c.expected);
    });
  }

  test('integers order like BigInt (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        (x, y) => {
          const a = parseDecimal(x.toString());
          const b = parseDecimal(y.toString());
          assert.ok(a && b);
          assert.equal(Math.sign(compareDecimal(a, b)), x === y ? 0 : x < y ? -1 : 1);
        },
      ),
    );
  });

  test('short decimals order like Number (property)', () => {
    const dec = fc
      .tuple(fc.integer({ min: -9999, max: 9999 }), fc.nat({ max: 999 }))
      .map(([i, f]) => `${i}.${f}`);
    fc.assert(
      fc.property(dec, dec, (x, y) => {
        const a = parseDecimal(x);
        const b = parseDecimal(y);
        assert.ok(a && b);
        assert.equal(Math.sign(compareDecimal(a, b)), Math.sign(Number(x) - Number(y)), `${x} vs ${y}`);
      }),
    );
  });
});

test('parseDecimal accepts exactly what /^(-?)(d+)(?:.(d+))?$/ accepts, with the same parts (property)', () => {
  const decimal = /^(-?)(\d+)(?:\.(\d+))?$/;
  const text = fc
    .array(fc.constantFrom('0', '1', '9', '-', '.', 'a', ' ', '\n', '+', 'e'), { maxLength: 8 })
    .map((chars) => chars.join(''));
  fc.assert(
    fc.property(text, (t) => {
      const m = decimal.exec(t);
      const parsed = parseDecimal(t);
      if (m === null) return assert.equal(parsed, undefined, JSON.stringify(t));
      const integer = (m[2] ?? '').replace(/^0+/, '');
      const fraction = (m[3] ?? '').replace(/0+$/, '');
      assert.deepEqual(
        parsed,
        { negative: m[1] === '-' && (integer !== '' || fraction !== ''), integer, fraction },
        t,
      );
    }),
    { numRuns: 20000 },
  );
});
