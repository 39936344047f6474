// The results table printed at the end of `npm run bench`: one line per row (and per peer), with
// the quoted statistic, min–max of the runs, the ratio to the peer, the target and the verdict.
import { quoted, type Row, ratio, summarize, verdict } from './harness.ts';

const UNIT_SUFFIX: Record<Row['unit'], string> = {
  ms: ' ms',
  requests: ' req',
  writes: ' writes',
  MB: ' MB',
  x: '×',
};

/** A value in the row's unit: ms and MB with one decimal below 100, integers above. */
export function formatValue(value: number, unit: Row['unit']): string {
  if (Number.isNaN(value)) return '–';
  const digits = unit === 'x' ? 2 : (unit === 'ms' || unit === 'MB') && Math.abs(value) < 100 ? 1 : 0;
  return `${value.toFixed(digits)}${UNIT_SUFFIX[unit]}`;
}

function range(values: readonly number[], unit: Row['unit']): string {
  if (values.length === 0) return '';
  const { min, max } = summarize(values);
  const suffix = UNIT_SUFFIX[unit].trim();
  return `${formatValue(min, unit).replace(UNIT_SUFFIX[unit], '')}–${formatValue(max, unit).replace(UNIT_SUFFIX[unit], '')} ${suffix}`;
}

function statName(row: Row): string {
  return row.statistic && row.statistic !== 'median' ? ` (${row.statistic})` : '';
}

/** The table's cells, header first. */
export function tableCells(rows: readonly Row[]): string[][] {
  const header = [
    'scenario',
    'tagpilot',
    'min–max',
    'n',
    'peer',
    'peer',
    'min–max',
    'ratio',
    'target',
    'verdict',
  ];
  const lines = [header];
  for (const row of rows) {
    const label = `${row.label}${statName(row)}`;
    if (row.unavailable !== undefined) {
      const text = row.unavailable.length > 60 ? `${row.unavailable.slice(0, 59)}…` : row.unavailable;
      lines.push([label, text, '', '', '', '', '', '', row.target?.text ?? '', verdict(row)]);
      continue;
    }
    const r = ratio(row);
    lines.push([
      label,
      formatValue(quoted(row, row.ours), row.unit),
      range(row.ours.values, row.unit),
      String(row.ours.values.length),
      row.peer?.name ?? '—',
      row.peer ? formatValue(quoted(row, row.peer), row.unit) : '',
      row.peer ? range(row.peer.values, row.unit) : '',
      r === undefined ? '' : `${r.toFixed(2)}×`,
      row.target?.text ?? '',
      verdict(row),
    ]);
  }
  return lines;
}

/** The table as text, columns padded; numeric columns right-aligned. */
export function formatTable(rows: readonly Row[]): string {
  const cells = tableCells(rows);
  const widths =
    cells[0]?.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length))) ?? [];
  const rightAligned = new Set([1, 2, 3, 5, 6, 7]);
  const text = cells.map((line) =>
    line
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        // Numbers line up on the right; words (an error, "not available") read from the left.
        return rightAligned.has(column) && /^[\d–.-]/.test(cell) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join(' | ')
      .trimEnd(),
  );
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  return [text[0], rule, ...text.slice(1)].join('\n');
}

/** Notes of the rows, numbered, for under the table. */
export function formatNotes(rows: readonly Row[]): string {
  return rows
    .filter((row) => row.note)
    .map((row) => `- ${row.label}${statName(row)}: ${row.note}`)
    .join('\n');
}
