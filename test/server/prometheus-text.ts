// A small, strict reader of the Prometheus text exposition format (version 0.0.4), so that tests
// check what a scraper would accept: HELP/TYPE lines, label escaping, numeric values, and every
// sample belonging to a declared family.

/** One metric family as declared by its `# TYPE` and `# HELP` lines. */
export interface MetricFamily {
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
}

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition. */
export interface Exposition {
  families: Map<string, MetricFamily>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const SUFFIXES: Record<MetricFamily['type'], string[]> = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['', '_sum', '_count', '_created'],
  untyped: [''],
};

/** Parses `text`; throws with the line number on anything a Prometheus server would reject. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    const fail = (why: string) => new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    if (line.trim() === '') continue;
    const help = HELP_LINE.exec(line);
    if (help) {
      helps.set(help[1] ?? '', help[2] ?? '');
      continue;
    }
    const type = TYPE_LINE.exec(line);
    if (type) {
      const name = type[1] ?? '';
      if (families.has(name)) throw fail('a second TYPE line for the family');
      families.set(name, { type: type[2] as MetricFamily['type'], help: undefined });
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) throw fail('not a sample line');
    const name = sample[1] ?? '';
    if (!familyOf(name, families)) throw fail('a sample of a family without a TYPE line');
    const value = parseValue(sample[3] ?? '');
    if (value === undefined) throw fail('not a number');
    samples.push({ name, labels: parseLabels(sample[2] ?? '', fail), value });
  }
  for (const [name, family] of families) family.help = helps.get(name);
  return { families, samples };
}

/** Sum of the values of `name`'s samples whose labels include `labels`. */
export function sumOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples
    .filter((sample) => sample.name === name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((total, sample) => total + sample.value, 0);
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  for (const [name, family] of families) {
    if (SUFFIXES[family.type].some((suffix) => sampleName === `${name}${suffix}`)) return family;
  }
  return undefined;
}

function parseValue(text: string): number | undefined {
  // Prometheus parses values with Go's ParseFloat: NaN and Inf in any letter case (prom-client
  // writes `Nan` for an event-loop lag it has not measured yet).
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  if (special === 'nan') return Number.NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

function parseLabels(text: string, fail: (why: string) => Error): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match || match.index !== start) throw fail('malformed labels');
    const name = match[1] ?? '';
    if (name in labels) throw fail(`label ${name} twice`);
    labels[name] = (match[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    if (match[3] === '') break;
  }
  return labels;
}
