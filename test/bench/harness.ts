// The shapes every benchmark scenario shares: a row of the results table (our series, the peer's
// series, the target), the context a scenario runs in, and the statistics the table quotes.
import type { BenchStack } from './stack.ts';

/** Unit of a row's values. */
/** `x`: a dimensionless factor, e.g. how much a per-object cost grew between two sizes. */
export type Unit = 'ms' | 'requests' | 'writes' | 'MB' | 'x';

/** The statistic a row quotes in its "median" column (default `median`). */
export type Statistic = 'median' | 'p50' | 'p95';

/** Raw measurements of one tool. */
export interface Series {
  /** The tool or variant, e.g. `crane ls --insecure`. */
  name: string;
  values: number[];
}

/** A target from DESIGN §6; a row without one is informational. */
export interface Target {
  /** As printed, e.g. `≤ 1.0× crane`. */
  text: string;
  /** Our statistic must not exceed this (in the row's unit). */
  maxValue?: number;
  /** Our statistic divided by the peer's must not exceed this. */
  maxRatio?: number;
}

/** One line of the results table. */
export interface Row {
  /** Scenario id (`--only` takes it). */
  scenario: string;
  /** What is measured, e.g. `list 10,000 tags`. */
  label: string;
  unit: Unit;
  /** Default `median`. */
  statistic?: Statistic;
  ours: Series;
  peer?: Series;
  target?: Target;
  /** Why the row has no measurement (e.g. `webhook: not available`). */
  unavailable?: string;
  /** Context printed under the table. */
  note?: string;
}

/** What a scenario gets from the runner. */
export interface ScenarioContext {
  /** The shared test stack; components start on first use. */
  stack: BenchStack;
  /** Timed runs: `--runs` or the scenario's default. */
  runs(defaultRuns: number): number;
  /** Untimed warm-up runs: `--warmup` or the scenario's default. */
  warmup(defaultWarmup: number): number;
  /** Progress line on stderr. */
  log(message: string): void;
}

/** One benchmark scenario: a row or several of DESIGN §6. */
export interface Scenario {
  /** Id for `--only`, e.g. `list-tags`. */
  id: string;
  /** One line for `--list`. */
  title: string;
  run(context: ScenarioContext): Promise<Row[]>;
}

/** The value at percentile `p` (nearest rank); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/** Median (upper median for an even count), min and max. */
export function summarize(values: readonly number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** The statistic a row quotes, of one series. */
export function quoted(row: Pick<Row, 'statistic'>, series: Series): number {
  if (row.statistic === 'p95') return percentile(series.values, 95);
  if (row.statistic === 'p50') return percentile(series.values, 50);
  return summarize(series.values).median;
}

/** Ours divided by the peer's, or undefined without a peer. */
export function ratio(row: Row): number | undefined {
  if (!row.peer || row.peer.values.length === 0) return undefined;
  const peer = quoted(row, row.peer);
  return peer === 0 ? undefined : quoted(row, row.ours) / peer;
}

/** `ok`, `MISS`, `info` (no target) or `n/a` (not measured). */
export function verdict(row: Row): 'ok' | 'MISS' | 'info' | 'n/a' {
  if (row.unavailable !== undefined || row.ours.values.length === 0) return 'n/a';
  if (!row.target || (row.target.maxValue === undefined && row.target.maxRatio === undefined)) return 'info';
  const value = quoted(row, row.ours);
  const { maxValue, maxRatio } = row.target;
  if (maxValue !== undefined && !(value <= maxValue)) return 'MISS';
  if (maxRatio !== undefined) {
    const r = ratio(row);
    if (r === undefined || !(r <= maxRatio)) return 'MISS';
  }
  return 'ok';
}

/** Milliseconds `fn` takes. */
export async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs each tool `warmup` times untimed, then `runs` timed rounds in which the tools alternate,
 * so drift in machine load hits every tool alike. Returns one series per tool, in order.
 */
export async function alternate(
  tools: readonly { name: string; run: () => Promise<unknown> }[],
  options: { runs: number; warmup: number },
): Promise<Series[]> {
  for (let i = 0; i < options.warmup; i++) for (const tool of tools) await tool.run();
  const series = tools.map((tool) => ({ name: tool.name, values: [] as number[] }));
  for (let i = 0; i < options.runs; i++) {
    for (const [index, tool] of tools.entries()) series[index]?.values.push(await time(tool.run));
  }
  return series;
}

/** Throws unless `actual` equals `expected`: a benchmark that did the wrong work measures nothing. */
export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
}
