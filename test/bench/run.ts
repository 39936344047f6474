/**
 * `npm run bench`: every DESIGN §6 target measured side by side with a peer, on one shared real
 * test stack (registry, kube-apiserver + etcd, Git server, the controller process), started on
 * first use. Prints a table (quoted statistic, min–max, ratio, target, verdict) and writes the raw
 * runs to bench-results.json.
 *   node_modules/.bin/node test/bench/run.ts [--only id[,id]] [--runs N] [--warmup N] [--output file] [--list]
 *   node_modules/.bin/node test/bench/run.ts --scale [--scale-objects 1000,5000,10000] [--scale-policies 100,1000] [--scale-no-flux]
 * `--scale` runs the cost curves (scale-curves.ts; tens of minutes, more with Flux at every size)
 * instead of the DESIGN §6 rows; `--only` may also name a curve. `--scale-no-flux` measures only
 * tagpilot in the `scale-objects` curve.
 * Exit code 1 when a scenario failed (a missed target is a verdict, not a failure).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Row, Scenario, ScenarioContext } from './harness.ts';
import { quoted, ratio, verdict } from './harness.ts';
import { BenchStack } from './stack.ts';
import { formatNotes, formatTable } from './table.ts';

/**
 * Every scenario, in DESIGN §6 order, loaded on demand: `--only choose-latest` then does not
 * load the Kubernetes client and the controller.
 */
const CATALOG: readonly { id: string; load: () => Promise<Scenario>; curve?: true }[] = [
  { id: 'list-tags', load: async () => (await import('./registry-list.ts')).listTagsScenario },
  { id: 'scan', load: async () => (await import('./registry-scan.ts')).scanScenario },
  { id: 'rescan', load: async () => (await import('./registry-rescan.ts')).rescanScenario },
  { id: 'first-scan', load: async () => (await import('./registry-first-scan.ts')).firstScanScenario },
  { id: 'choose-latest', load: async () => (await import('./policy-choose.ts')).chooseLatestScenario },
  { id: 'git-writeback', load: async () => (await import('./git-writeback.ts')).gitWritebackScenario },
  { id: 'git-ssh', load: async () => (await import('./git-ssh.ts')).gitSshScenario },
  { id: 'commit-signing', load: async () => (await import('./commit-signing.ts')).commitSigningScenario },
  { id: 'apply', load: async () => (await import('./sync.ts')).applyScenario },
  { id: 'flux', load: async () => (await import('./flux-sync.ts')).fluxScenario },
  { id: 'kustomize', load: async () => (await import('./kustomize-sync.ts')).kustomizeScenario },
  { id: 'scale-revert', load: async () => (await import('./scale-revert.ts')).scaleRevertScenario },
  { id: 'tag-to-cluster', load: async () => (await import('./tag-to-cluster.ts')).tagToClusterScenario },
  { id: 'rss', load: async () => (await import('./controller-rss.ts')).controllerRssScenario },
  {
    id: 'scale-objects',
    load: async () => (await import('./scale-curves.ts')).scaleObjectsScenario,
    curve: true,
  },
  {
    id: 'scale-policies',
    load: async () => (await import('./scale-curves.ts')).scalePoliciesScenario,
    curve: true,
  },
];

async function load(id: string): Promise<Scenario> {
  const entry = CATALOG.find((e) => e.id === id);
  if (!entry) throw new Error(`unknown scenario ${id}`);
  const scenario = await entry.load();
  if (scenario.id !== id) throw new Error(`scenario ${id} calls itself ${scenario.id}`);
  return scenario;
}

interface Options {
  only: string[] | undefined;
  runs: number | undefined;
  warmup: number | undefined;
  output: string;
  list: boolean;
  scale: boolean;
}

function positiveInteger(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      output: { type: 'string', default: 'bench-results.json' },
      list: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      'scale-objects': { type: 'string' },
      'scale-policies': { type: 'string' },
      'scale-no-flux': { type: 'boolean', default: false },
    },
  });
  // The curves read their sizes from the environment (they are loaded on demand).
  if (values['scale-objects']) process.env.TAGPILOT_BENCH_SCALE_OBJECTS = values['scale-objects'];
  if (values['scale-policies']) process.env.TAGPILOT_BENCH_SCALE_POLICIES = values['scale-policies'];
  if (values['scale-no-flux']) process.env.TAGPILOT_BENCH_SCALE_NO_FLUX = '1';
  const only = values.only?.flatMap((value) => value.split(',')).filter(Boolean);
  const known = new Set(CATALOG.map((entry) => entry.id));
  for (const id of only ?? []) {
    if (!known.has(id)) throw new Error(`unknown scenario ${id}; one of: ${[...known].join(', ')}`);
  }
  return {
    only,
    runs: positiveInteger('--runs', values.runs, 1),
    warmup: positiveInteger('--warmup', values.warmup, 0),
    output: values.output,
    list: values.list,
    scale: values.scale,
  };
}

const loadAverage = (): string =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface ScenarioRecord {
  id: string;
  title: string;
  seconds: number;
  loadBefore: string;
  loadAfter: string;
  error?: string;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.list) {
    for (const { id } of CATALOG) process.stdout.write(`${id.padEnd(16)} ${(await load(id)).title}\n`);
    return 0;
  }
  const selected = CATALOG.filter((entry) =>
    options.only ? options.only.includes(entry.id) : (entry.curve === true) === options.scale,
  );
  const stack = new BenchStack();
  const context: ScenarioContext = {
    stack,
    runs: (n) => options.runs ?? n,
    warmup: (n) => options.warmup ?? n,
    log,
  };
  const rows: Row[] = [];
  const records: ScenarioRecord[] = [];
  const started = new Date();
  let failed = false;
  try {
    for (const entry of selected) {
      const scenario = await load(entry.id);
      const loadBefore = loadAverage();
      log(`${scenario.id}: ${scenario.title} (load ${loadBefore})`);
      const start = performance.now();
      const record: ScenarioRecord = {
        id: scenario.id,
        title: scenario.title,
        seconds: 0,
        loadBefore,
        loadAfter: '',
      };
      try {
        rows.push(...(await scenario.run(context)));
      } catch (error) {
        failed = true;
        record.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`${scenario.id} FAILED: ${record.error}`);
        rows.push({
          scenario: scenario.id,
          label: scenario.id,
          unit: 'ms',
          ours: { name: 'tagpilot', values: [] },
          unavailable: `error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
          note: `failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      record.seconds = (performance.now() - start) / 1000;
      record.loadAfter = loadAverage();
      records.push(record);
      log(`${scenario.id}: done in ${record.seconds.toFixed(0)} s (load ${record.loadAfter})`);
    }
  } finally {
    log('stopping the test stack');
    await stack.stop();
  }

  const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`;
  process.stdout.write(`\ntagpilot bench — ${started.toISOString()} — ${machine}\n`);
  process.stdout.write(
    `load average (1/5/15 min) before each scenario: ${records.map((r) => `${r.id} ${r.loadBefore}`).join('; ')}\n\n`,
  );
  process.stdout.write(`${formatTable(rows)}\n`);
  const notes = formatNotes(rows);
  if (notes) process.stdout.write(`\nnotes:\n${notes}\n`);

  const results = {
    started: started.toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    options,
    scenarios: records,
    rows: rows.map((row) => ({
      ...row,
      quoted: row.ours.values.length > 0 ? quoted(row, row.ours) : null,
      peerQuoted: row.peer ? quoted(row, row.peer) : null,
      ratio: ratio(row) ?? null,
      verdict: verdict(row),
    })),
  };
  writeFileSync(options.output, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nraw runs: ${options.output}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
