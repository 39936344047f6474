import { isScalar, type LineCounter, type Pair } from 'yaml';

/** The line ending a file already uses: CRLF if any line has it, else LF. */
export function lineEnding(content: string): string {
  return content.includes('\r\n') ? '\r\n' : '\n';
}

/** Offset of the first character of the line holding `offset`. */
export function lineStart(content: string, offset: number): number {
  return content.lastIndexOf('\n', offset - 1) + 1;
}

/**
 * Offset just after the newline that ends the line holding the last character before `end` (a
 * node's end offset; block scalars end after their final newline). The file length if none.
 */
export function lineEndAfter(content: string, end: number): number {
  const newline = content.indexOf('\n', Math.max(0, end - 1));
  return newline === -1 ? content.length : newline + 1;
}

/** The spaces before the character at `offset` (its 1-based column minus one). */
export function indentAt(lineCounter: LineCounter, offset: number): string {
  return ' '.repeat(lineCounter.linePos(offset).col - 1);
}

/** Start offset of a pair's key. */
export function pairStart(pair: Pair): number {
  return isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
}

/** End offset of a pair's value text (or of its key when the value is empty). */
export function pairEnd(pair: Pair): number {
  const value = pair.value;
  const valueRange =
    value !== null && typeof value === 'object' && 'range' in value ? value.range : undefined;
  if (Array.isArray(valueRange) && valueRange[1] > valueRange[0]) return valueRange[1];
  return isScalar(pair.key) ? (pair.key.range?.[1] ?? 0) : 0;
}

/**
 * Text inserted as whole lines at `at` (the start of a line, or the end of a file that may lack its
 * final newline).
 */
export function linesAt(content: string, at: number, lines: string[], eol: string): string {
  const body = lines.join(eol);
  const missingNewline = at === content.length && content.length > 0 && !content.endsWith('\n');
  return missingNewline ? `${eol}${body}` : `${body}${eol}`;
}
