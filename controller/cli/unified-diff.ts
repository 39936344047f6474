// A unified diff of two versions of a text file, as `git diff` prints it, for `--dry-run`. The
// edits this CLI makes touch a few lines, so the common head and tail are cut first and only the
// small middle goes through a longest-common-subsequence table.

/** Largest middle (old lines × new lines) diffed line by line; beyond it the middle is replaced whole. */
const MAX_TABLE = 4_000_000;
/** Appended to a last line that has no newline, so it differs from the same text with one. */
const NO_NEWLINE = '\u0000';

interface Op {
  type: ' ' | '-' | '+';
  line: string;
}

/** `diff --git` header and hunks with `context` lines around each change (default 3); '' when equal. */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const out = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  for (const [start, end] of hunkRanges(ops, context)) out.push(...formatHunk(ops, start, end));
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  else lines[lines.length - 1] += NO_NEWLINE;
  return lines;
}

function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const same = (lines: readonly string[]): Op[] => lines.map((line) => ({ type: ' ', line }));
  const middle = middleOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  return [...same(a.slice(0, head)), ...middle, ...same(a.slice(a.length - tail))];
}

function middleOps(a: readonly string[], b: readonly string[]): Op[] {
  if (a.length * b.length > MAX_TABLE) {
    return [...a.map((line): Op => ({ type: '-', line })), ...b.map((line): Op => ({ type: '+', line }))];
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ type: ' ', line: a[i++] ?? '' });
      j++;
    } else if (
      j < b.length &&
      (i >= a.length || (lcs[i * width + j + 1] ?? 0) >= (lcs[(i + 1) * width + j] ?? 0))
    ) {
      ops.push({ type: '+', line: b[j++] ?? '' });
    } else {
      ops.push({ type: '-', line: a[i++] ?? '' });
    }
  }
  // git prints the removed lines of a change before the added ones.
  return groupRemovalsFirst(ops);
}

function groupRemovalsFirst(ops: Op[]): Op[] {
  const result: Op[] = [];
  let removed: Op[] = [];
  let added: Op[] = [];
  const flush = () => {
    result.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const op of ops) {
    if (op.type === '-') removed.push(op);
    else if (op.type === '+') added.push(op);
    else {
      flush();
      result.push(op);
    }
  }
  flush();
  return result;
}

/** [start, end) index ranges of ops, each change with `context` ops around it, close ones merged. */
function hunkRanges(ops: readonly Op[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  ops.forEach((op, index) => {
    if (op.type === ' ') return;
    const start = Math.max(0, index - context);
    const end = Math.min(ops.length, index + context + 1);
    const last = ranges.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  });
  return ranges;
}

function formatHunk(ops: readonly Op[], start: number, end: number): string[] {
  let oldBefore = 0;
  let newBefore = 0;
  for (const op of ops.slice(0, start)) {
    if (op.type !== '+') oldBefore++;
    if (op.type !== '-') newBefore++;
  }
  const body = ops.slice(start, end);
  const oldCount = body.filter((op) => op.type !== '+').length;
  const newCount = body.filter((op) => op.type !== '-').length;
  const range = (before: number, count: number) =>
    `${count === 0 ? before : before + 1}${count === 1 ? '' : `,${count}`}`;
  const lines = [`@@ -${range(oldBefore, oldCount)} +${range(newBefore, newCount)} @@`];
  for (const op of body) {
    if (op.line.endsWith(NO_NEWLINE))
      lines.push(`${op.type}${op.line.slice(0, -1)}`, '\\ No newline at end of file');
    else lines.push(`${op.type}${op.line}`);
  }
  return lines;
}
