/**
 * Exact ordering of decimal numbers written as text. Tags such as build numbers or timestamps
 * (`20240131235959123`) can exceed 2^53, where `Number` would make distinct tags compare equal,
 * so digits are compared as strings instead.
 */

/** A decimal number normalised for exact comparison. */
export interface DecimalKey {
  readonly negative: boolean;
  /** Integer digits without leading zeros (`''` for zero). */
  readonly integer: string;
  /** Fraction digits without trailing zeros (`''` for none). */
  readonly fraction: string;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Parses `42`, `007`, `-3`, `1.50`; undefined for anything else (`1e3`, `0x10`, `1.`, `v1`). */
export function parseDecimal(text: string): DecimalKey | undefined {
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  const integer = stripLeadingZeros(m[2] ?? '');
  const fraction = stripTrailingZeros(m[3] ?? '');
  const negative = m[1] === '-' && (integer !== '' || fraction !== '');
  return { negative, integer, fraction };
}

function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  return i === 0 ? digits : digits.slice(i);
}

function stripTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  return end === digits.length ? digits : digits.slice(0, end);
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareMagnitude(a: DecimalKey, b: DecimalKey): number {
  if (a.integer.length !== b.integer.length) return a.integer.length < b.integer.length ? -1 : 1;
  // With leading zeros gone, equal-length integer parts and trailing-zero-free fractions order
  // the same as their digit strings.
  return compareText(a.integer, b.integer) || compareText(a.fraction, b.fraction);
}

/** Numeric comparison: negative, zero or positive; `7`, `007` and `7.0` are equal. */
export function compareDecimal(a: DecimalKey, b: DecimalKey): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude = compareMagnitude(a, b);
  return a.negative && magnitude !== 0 ? -magnitude : magnitude;
}
