// Output for people (aligned tables, plain lines) and for scripts (`-o json|yaml`): every command
// builds one data value and a table view of it, and `printResult` writes whichever was asked for.
import { Option } from 'commander';

/** The output formats of `-o`. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;

/** One of OUTPUT_FORMATS. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The `-o, --output` option; default `table`. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table');
}

/** Where commands write; the real process streams unless a test passes others. */
export interface Streams {
  stdout: { write(text: string): unknown; isTTY?: boolean | undefined };
  stderr: { write(text: string): unknown; isTTY?: boolean | undefined };
}

/** The process's own stdout and stderr. */
export function processStreams(): Streams {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Writes `data` as JSON or YAML, or the lines of `table()` for people. */
export async function printResult(
  streams: Streams,
  format: OutputFormat,
  data: unknown,
  table: () => readonly string[],
): Promise<void> {
  if (format === 'json') streams.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (format === 'yaml') {
    // Loaded only for -o yaml: every module a command imports up front slows down every run.
    const { stringify } = await import('yaml');
    streams.stdout.write(stringify(data, { lineWidth: 0 }));
  } else {
    const lines = table();
    if (lines.length > 0) streams.stdout.write(`${lines.join('\n')}\n`);
  }
}

/**
 * Aligns `rows` under `headers` with two spaces between columns (like kubectl); trailing spaces
 * are trimmed. Cells may not contain newlines.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    widths
      .map((width, column) => (cells[column] ?? '').padEnd(width))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** `abcdef1` from a full commit id; `-` when there is none. */
export function shortSha(commit: string | undefined): string {
  return commit ? commit.slice(0, 7) : '-';
}

/** Cuts `text` to `max` characters with an ellipsis (table cells only; JSON keeps the whole text). */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}
