/**
 * Scenario `scan`: one scan of 200 repositories × 200 tags on the real local registry (DESIGN §6
 * target: ≤ 2 s and ≥ 5× faster than one peer process per repository). tagpilot: one
 * RegistryClient kept across runs (as in the controller), `listTags` of every repository at once,
 * under the client's default per-host limits (16 in flight, 100 requests/s). Peers: `crane ls`
 * once per repository, one after the other and 4 at a time (Flux's default worker count).
 * Run: npm run bench -- --only scan
 */
import { RegistryClient } from '../../registry/index.ts';
import type { RegistryStack } from '../support/registry.ts';
import { alternate, expectEqual, type Row, type Scenario } from './harness.ts';
import { craneListTags } from './peers.ts';
import type { BenchStack } from './stack.ts';

const REPOSITORIES = 200;
const TAGS = 200;
const WARMUP = 1;
const RUNS = 3;
const PEER_PARALLELISM = 4;
const TARGET_MS = 2_000;

const repository = (i: number): string => `scan/repo-${String(i).padStart(3, '0')}`;

/** The shared registry with 200 repositories of 200 tags each (pushed once per stack). */
function registryWithRepositories(stack: BenchStack): Promise<RegistryStack> {
  return stack.shared('scan-repositories', async () => {
    const registry = await stack.registry();
    const tags = Array.from({ length: TAGS }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`);
    await pool(REPOSITORIES, 4, (i) => registry.push.pushManyTags(repository(i), tags, 16));
    return { value: registry, cleanup: async () => {} };
  });
}

/** Runs `job(0..count-1)`, `parallel` at a time. */
async function pool(count: number, parallel: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** The `scan` scenario. */
export const scanScenario: Scenario = {
  id: 'scan',
  title: `one scan of ${REPOSITORIES} repositories × ${TAGS} tags: one client vs crane ls per repository`,
  async run(context) {
    const started = performance.now();
    const registry = await registryWithRepositories(context.stack);
    context.log(`scan: registry filled in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const images = Array.from({ length: REPOSITORIES }, (_, i) => `${registry.host}/${repository(i)}`);
    const client = new RegistryClient();
    const crane = (parallel: number) => async () => {
      let total = 0;
      await pool(REPOSITORIES, parallel, async (i) => {
        const listed = await craneListTags(images[i] ?? '');
        total += listed;
      });
      expectEqual('crane tags', total, REPOSITORIES * TAGS);
    };
    try {
      const [ours, sequential, parallel] = await alternate(
        [
          {
            name: 'tagpilot, one client, all at once',
            run: async () => {
              const lists = await Promise.all(images.map((image) => client.listTags(image)));
              expectEqual('tagpilot tags', lists.flat().length, REPOSITORIES * TAGS);
            },
          },
          { name: 'crane ls per repo, sequential', run: crane(1) },
          { name: `crane ls per repo, ${PEER_PARALLELISM} parallel`, run: crane(PEER_PARALLELISM) },
        ],
        { runs: context.runs(RUNS), warmup: context.warmup(WARMUP) },
      );
      if (!ours || !sequential || !parallel) throw new Error('missing series');
      const target = { text: `≤ ${TARGET_MS / 1000} s, ≥ 5× faster`, maxValue: TARGET_MS, maxRatio: 0.2 };
      const label = `scan ${REPOSITORIES} repos × ${TAGS} tags`;
      const rows: Row[] = [
        {
          scenario: this.id,
          label,
          unit: 'ms',
          ours,
          peer: sequential,
          target,
          note: 'tagpilot runs under its default politeness limits per registry host (16 in flight, 100 requests/s, burst 100)',
        },
        { scenario: this.id, label, unit: 'ms', ours, peer: parallel, target },
      ];
      return rows;
    } finally {
      await client.close();
    }
  },
};
