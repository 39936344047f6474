import { isScalar, isSeq, parseDocument } from 'yaml';
import { YAML_OPTIONS } from './read-manifests.ts';
import type { ScalarSite } from './types.ts';

/** The source text for a new scalar value, or why it cannot be written in place. */
export type RenderedScalar = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Writes `value` in the style the old scalar had: plain stays plain, 'single' stays single,
 * "double" stays double. A plain scalar falls back to double quotes only when the value cannot be
 * plain (it would not parse back to the same text, or a former string would become a number or
 * boolean). Block scalars (`|`, `>`) are not rewritten.
 */
export function renderScalar(value: string, site: ScalarSite): RenderedScalar {
  switch (site.style) {
    case 'PLAIN':
      return { ok: true, text: canBePlain(value, site) ? value : doubleQuoted(value) };
    case 'QUOTE_SINGLE':
      return { ok: true, text: /\p{Cc}/u.test(value) ? doubleQuoted(value) : singleQuoted(value) };
    case 'QUOTE_DOUBLE':
      return { ok: true, text: doubleQuoted(value) };
    default:
      return { ok: false, reason: `the value is a ${site.style} block scalar, which is not rewritten` };
  }
}

/** A YAML single-quoted scalar. */
export function singleQuoted(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A YAML double-quoted scalar (JSON string escapes are valid YAML escapes). */
export function doubleQuoted(value: string): string {
  return JSON.stringify(value);
}

/** Whether `value` written plain at this site reads back as the same text (and type, for strings). */
export function canBePlain(value: string, site: Pick<ScalarSite, 'inFlow' | 'nonString'>): boolean {
  if (value === '' || value.trim() !== value || /[\n\r]/.test(value)) return false;
  const doc = parseDocument(site.inFlow ? `[${value}]` : `- ${value}`, YAML_OPTIONS);
  if (doc.errors.length > 0 || !isSeq(doc.contents) || doc.contents.items.length !== 1) return false;
  const scalar = doc.contents.items[0];
  if (!isScalar(scalar) || scalar.type !== 'PLAIN' || scalar.source !== value) return false;
  return site.nonString || typeof scalar.value === 'string';
}
