/** Replace `content.slice(start, end)` with `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits (in any order); every byte outside them is kept. Overlap is a bug: throws. */
export function applyTextEdits(content: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at || edit.end < edit.start || edit.end > content.length) {
      throw new RangeError(
        `text edit ${edit.start}-${edit.end} overlaps another or lies outside the content`,
      );
    }
    parts.push(content.slice(at, edit.start), edit.text);
    at = edit.end;
  }
  parts.push(content.slice(at));
  return parts.join('');
}
