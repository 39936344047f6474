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

const MINUS = 45;
const DOT = 46;

/** Parses `42`, `007`, `-3`, `1.50`; undefined for anything else (`1e3`, `0x10`, `1.`, `v1`). */
export function parseDecimal(text: string): DecimalKey | undefined {
  // A scan instead of a regex: version-group and numerical policies parse every tag of a
  // repository (100,000 in the bench), and the regex's match array cost a third of that time.
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === MINUS;
  let i = negative ? 1 : 0;
  const integerStart = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  if (i === integerStart) return undefined;
  const integerEnd = i;
  let fractionStart = i;
  if (i < length) {
    if (text.charCodeAt(i) !== DOT) return undefined;
    fractionStart = ++i;
    while (i < length && isDigit(text.charCodeAt(i))) i++;
    if (i === fractionStart || i < length) return undefined;
  }
  const integer = stripLeadingZeros(text.slice(integerStart, integerEnd));
  const fraction = stripTrailingZeros(text.slice(fractionStart, length));
  return { negative: negative && (integer !== '' || fraction !== ''), integer, fraction };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
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
