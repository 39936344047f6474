import { canBePlain } from './plain-scalar.ts';
import type { ScalarSite } from './types.ts';

/** The source text for a new scalar value, or why it cannot be written in place. */
export type RenderedScalar = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Writes `value` so that it reads back as exactly that string (promise 3), in the old scalar's
 * style where that is safe: plain stays plain while every YAML reader takes the text for that
 * string (see `canBePlain`), else it becomes double-quoted, whatever the old plain scalar was (a
 * plain `1.9` updated to `1.10` is written `"1.10"`, which YAML would otherwise read as 1.1);
 * 'single' stays single unless the value holds a character single quotes cannot carry; "double"
 * stays double. Block scalars (`|`, `>`) are not rewritten.
 */
export function renderScalar(value: string, site: Pick<ScalarSite, 'style' | 'inFlow'>): RenderedScalar {
  switch (site.style) {
    case 'PLAIN':
      return { ok: true, text: canBePlain(value, site) ? value : doubleQuoted(value) };
    case 'QUOTE_SINGLE':
      return { ok: true, text: canBeSingleQuoted(value) ? singleQuoted(value) : doubleQuoted(value) };
    case 'QUOTE_DOUBLE':
      return { ok: true, text: doubleQuoted(value) };
    default:
      return { ok: false, reason: `the value is a ${site.style} block scalar, which is not rewritten` };
  }
}

/**
 * Printable characters other than line breaks (YAML 1.1 also breaks lines at U+2028 and U+2029):
 * what a single-quoted scalar can hold without escapes.
 */
const SINGLE_QUOTABLE =
  /^[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]*$/u;

/** Whether `value` can be written single-quoted and read back unchanged. */
export function canBeSingleQuoted(value: string): boolean {
  return SINGLE_QUOTABLE.test(value);
}

/** A YAML single-quoted scalar (only for values `canBeSingleQuoted` accepts). */
export function singleQuoted(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Characters JSON leaves as they are but YAML must see escaped: DEL, C1 controls, breaks, BOM. */
const YAML_ESCAPES = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A YAML double-quoted scalar: JSON string escapes (valid YAML escapes) plus `\uXXXX` for the rest. */
export function doubleQuoted(value: string): string {
  return JSON.stringify(value).replace(
    YAML_ESCAPES,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
