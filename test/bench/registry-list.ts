/**
 * Benchmark: list 10,000 tags (10 pages of 1,000) from a real local registry with the tagpilot
 * registry client and with `crane ls --insecure`, side by side in one run (DESIGN §6 target:
 * ≤ 1.0× crane). Runs alternate between the tools after a warm-up so drift hits both alike.
 * Reported: the client kept warm (as in the controller: one keep-alive agent for every scan), a
 * new client per run (fresh connection), and crane (one process per run, as a peer would be).
 * Run: node_modules/.bin/node test/bench/registry-list.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RegistryClient } from '../../registry/index.ts';
import { binary } from '../support/processes.ts';
import { startRegistry } from '../support/registry.ts';

const TAGS = 10_000;
const WARMUP = 2;
const RUNS = 7;
const REPOSITORY = 'bench/app';

const run = promisify(execFile);

interface Series {
  readonly name: string;
  readonly times: number[];
}

async function timed(series: Series, expected: number, fn: () => Promise<number>): Promise<void> {
  const start = performance.now();
  const count = await fn();
  series.times.push(performance.now() - start);
  if (count !== expected) throw new Error(`${series.name} listed ${count} tags, expected ${expected}`);
}

function stats(times: readonly number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

const ms = (n: number): string => n.toFixed(1).padStart(8);

const registry = await startRegistry({ auth: 'none' });
const warm = new RegistryClient();
try {
  const tags = Array.from({ length: TAGS }, (_, i) => `1.${Math.floor(i / 1000)}.${i % 1000}`);
  const pushStart = performance.now();
  await registry.push.pushManyTags(REPOSITORY, tags, 32);
  console.log(
    `pushed ${TAGS.toLocaleString('en')} tags in ${((performance.now() - pushStart) / 1000).toFixed(1)} s`,
  );

  const image = `${registry.host}/${REPOSITORY}`;
  const crane = binary('crane');
  const listWarm = async () => (await warm.listTags(image)).length;
  const listFresh = async () => {
    const client = new RegistryClient();
    try {
      return (await client.listTags(image)).length;
    } finally {
      await client.close();
    }
  };
  const listCrane = async () => {
    const { stdout } = await run(crane, ['ls', '--insecure', image], { maxBuffer: 64 * 1024 * 1024 });
    return stdout.split('\n').filter(Boolean).length;
  };

  const series = {
    warm: { name: 'tagpilot listTags (warm client)', times: [] },
    fresh: { name: 'tagpilot listTags (new client)', times: [] },
    crane: { name: 'crane ls --insecure', times: [] },
  } satisfies Record<string, Series>;
  const scratch: Series = { name: 'warm-up', times: [] };
  for (let i = 0; i < WARMUP; i++) {
    await timed(scratch, TAGS, listWarm);
    await timed(scratch, TAGS, listFresh);
    await timed(scratch, TAGS, listCrane);
  }
  for (let i = 0; i < RUNS; i++) {
    await timed(series.warm, TAGS, listWarm);
    await timed(series.fresh, TAGS, listFresh);
    await timed(series.crane, TAGS, listCrane);
  }
  const pages = registry.requests().filter((line) => line.startsWith(`GET /v2/${REPOSITORY}/tags/list`));
  console.log(
    `tag-list requests in total: ${pages.length} (${(pages.length / ((WARMUP + RUNS) * 3)).toFixed(1)} per listing)`,
  );

  console.log(`\nlist ${TAGS.toLocaleString('en')} tags, ${RUNS} runs after ${WARMUP} warm-up runs (ms)`);
  console.log(`${'tool'.padEnd(34)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}`);
  for (const s of Object.values(series)) {
    const { median, min, max } = stats(s.times);
    console.log(`${s.name.padEnd(34)} ${ms(median)} ${ms(min)} ${ms(max)}`);
  }
  const craneMedian = stats(series.crane.times).median;
  const ratio = (s: Series) => (stats(s.times).median / craneMedian).toFixed(2);
  console.log(
    `\nratio to crane (median): warm client ${ratio(series.warm)}x, new client ${ratio(series.fresh)}x (target <= 1.0x)`,
  );
} finally {
  await warm.close();
  await registry.stop();
}
