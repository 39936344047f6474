/**
 * Scenario `first-scan` (issue 18, registry manners): the first newest-build scan of a repository
 * of 5,000 tags (50 images) under `glob:*`. tagpilot reads at most the budget (100) of build times
 * per scan and leaves the rest to later scans; the peer is what an unbounded newest-build does (Flux
 * v1's failure mode): one `crane config` per tag. Rows: manifest + config requests of that first
 * scan (counted in the registry's access log), and its wall time. An unbounded tagpilot scan
 * (`buildTimeBudget: 0`) is measured too, in the note. Without crane (scripts/build-binaries.sh
 * --with-bench) the unbounded tagpilot scan stands in as the peer, and the row names it so.
 * Run: npm run bench -- --only first-scan
 */
import { existsSync } from 'node:fs';
import { registryScanners } from '../../controller/automation/registry-scanner.ts';
import { scanImage } from '../../controller/automation/scan-image.ts';
import { policyFromAnnotations } from '../../controller/policy/index.ts';
import { mapLimit } from '../../controller/util/map-limit.ts';
import { RegistryClient } from '../../registry/index.ts';
import { binary } from '../support/processes.ts';
import type { RegistryStack } from '../support/registry.ts';
import { expectEqual, type Scenario, time } from './harness.ts';
import { craneConfigCreated } from './peers.ts';

const TAGS = 5_000;
const IMAGES = 50;
const BUDGET = 100;
const REPOSITORY = 'firstscan/app';
/** crane processes at once: as parallel as the client's per-host cap. */
const PEER_CONCURRENCY = 16;

function tagsOfImage(i: number): string[] {
  const per = TAGS / IMAGES;
  return Array.from({ length: per }, (_, j) => `build-${String(i * per + j).padStart(4, '0')}`);
}

/** Manifest and blob requests to the scenario's repository in the access log so far. */
function metadataRequests(registry: RegistryStack): number {
  return registry
    .requests()
    .filter((line) => /^(GET|HEAD) \/v2\/firstscan\/app\/(manifests|blobs)\//.test(line)).length;
}

/** Waits until the access log stops growing (it is written asynchronously), then counts. */
async function settledCount(registry: RegistryStack): Promise<number> {
  let last = -1;
  for (;;) {
    const now = metadataRequests(registry);
    if (now === last) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One first scan with a fresh client (cold cache): its requests and wall time. */
async function firstScan(
  registry: RegistryStack,
  budget: number,
): Promise<{ ms: number; requests: number; tag: string }> {
  const policy = policyFromAnnotations({ filter: 'glob:*' });
  if (!policy.ok) throw new Error(policy.error.message);
  const client = new RegistryClient();
  try {
    const before = await settledCount(registry);
    let tag = '';
    const ms = await time(async () => {
      const scanner = registryScanners(client, { buildTimeBudget: budget })({});
      const scan = await scanImage({
        scanner,
        repository: `${registry.host}/${REPOSITORY}`,
        policy: policy.value,
      });
      if (!scan.ok) throw scan.error;
      tag = scan.result.tag ?? '';
    });
    return { ms, requests: (await settledCount(registry)) - before, tag };
  } finally {
    await client.close();
  }
}

/** What an unbounded newest-build does: one `crane config` per tag, `PEER_CONCURRENCY` at a time. */
async function cranePeer(
  registry: RegistryStack,
  log: (message: string) => void,
): Promise<{ name: string; requests: number; ms: number }> {
  const tags = Array.from({ length: IMAGES }, (_, i) => tagsOfImage(i)).flat();
  log(`first-scan: ${TAGS} crane config processes, ${PEER_CONCURRENCY} at a time`);
  const before = await settledCount(registry);
  const ms = await time(async () => {
    await mapLimit(tags, PEER_CONCURRENCY, (tag) =>
      craneConfigCreated(`${registry.host}/${REPOSITORY}:${tag}`),
    );
  });
  return { name: 'crane config per tag', requests: (await settledCount(registry)) - before, ms };
}

/** The `first-scan` scenario. */
export const firstScanScenario: Scenario = {
  id: 'first-scan',
  title: `first newest-build scan of ${TAGS} tags (glob:*): tagpilot's budget of ${BUDGET} vs one crane config per tag`,
  async run(context) {
    const registry = await context.stack.shared('first-scan-repository', async () => {
      const stack = await context.stack.registry();
      for (let i = 0; i < IMAGES; i++) {
        const created = new Date(Date.UTC(2026, 0, 1 + i));
        await stack.push.pushImageTags(
          REPOSITORY,
          tagsOfImage(i),
          { created, labels: { image: String(i) } },
          32,
        );
      }
      return { value: stack, cleanup: async () => {} };
    });
    const runs = context.runs(3);
    const ours = { requests: [] as number[], ms: [] as number[] };
    for (let r = 0; r < runs; r++) {
      const scan = await firstScan(registry, BUDGET);
      ours.requests.push(scan.requests);
      ours.ms.push(scan.ms);
    }
    context.log('first-scan: one unbounded tagpilot scan (budget 0)');
    const unbounded = await firstScan(registry, 0);
    expectEqual(
      'unbounded winner is of the newest image',
      tagsOfImage(IMAGES - 1).includes(unbounded.tag),
      true,
    );
    const note =
      `${TAGS} tags of ${IMAGES} images; tagpilot reads ${BUDGET} build times now and the rest at later scans ` +
      `(converging in ⌈${TAGS}/${BUDGET}⌉ scans, test/registry/build-time-budget.test.ts); ` +
      `unbounded tagpilot (budget 0): ${unbounded.requests} requests in ${unbounded.ms.toFixed(0)} ms`;
    const label = (what: string) => `first scan of ${TAGS} tags, glob:* newest-build: ${what}`;
    const name = `scanImage, budget ${BUDGET}`;
    const peer = existsSync(binary('crane'))
      ? await cranePeer(registry, (message) => context.log(message))
      : {
          name: 'unbounded scanImage, budget 0 (crane not built)',
          requests: unbounded.requests,
          ms: unbounded.ms,
        };
    return [
      {
        scenario: this.id,
        label: label('manifest+config requests'),
        unit: 'requests',
        ours: { name, values: ours.requests },
        peer: { name: peer.name, values: [peer.requests] },
        target: { text: `≤ ${BUDGET} manifest GETs + their configs`, maxValue: 2 * BUDGET },
        note,
      },
      {
        scenario: this.id,
        label: label('time'),
        unit: 'ms',
        ours: { name, values: ours.ms },
        peer: { name: peer.name, values: [peer.ms] },
      },
    ];
  },
};
