/**
 * Scenario `list-tags`: list 10,000 tags from the real local registry (tagpilot asks one page of
 * `n=10000`; the peers page as they do, the note counts each one's requests) with the tagpilot
 * registry client, `crane ls --insecure` and `skopeo list-tags` (DESIGN §6 target:
 * ≤ 1.0× the peers). Runs alternate between the tools after a warm-up so drift hits all alike.
 * Measured: the client kept warm (as in the controller: one keep-alive agent for every scan) and
 * a new client per run (fresh connection); the peers are one process per run, as a user runs them.
 * Run: npm run bench -- --only list-tags
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryClient } from '../../registry/index.ts';
import type { RegistryStack } from '../support/registry.ts';
import { alternate, expectEqual, type Row, type Scenario } from './harness.ts';
import { craneListTags, skopeoListTags } from './peers.ts';
import type { BenchStack } from './stack.ts';

const TAGS = 10_000;
const WARMUP = 2;
const RUNS = 7;
const REPOSITORY = 'bench/app';

/** The shared registry with `bench/app` holding 10,000 tags (pushed once per stack). */
function registryWithTags(stack: BenchStack): Promise<RegistryStack> {
  return stack.shared('list-tags-repository', async () => {
    const registry = await stack.registry();
    const tags = Array.from({ length: TAGS }, (_, i) => `1.${Math.floor(i / 1000)}.${i % 1000}`);
    await registry.push.pushManyTags(REPOSITORY, tags, 32);
    return { value: registry, cleanup: async () => {} };
  });
}

/** Tag-list requests in the registry's access log that `run` makes. */
async function tagListRequests(registry: RegistryStack, run: () => Promise<void>): Promise<number> {
  const count = () =>
    registry.requests().filter((line) => line.startsWith(`GET /v2/${REPOSITORY}/tags/list`)).length;
  const before = count();
  await run();
  // The access log is written after each response; give the last lines a moment to land.
  await sleep(300);
  return count() - before;
}

/** The `list-tags` scenario. */
export const listTagsScenario: Scenario = {
  id: 'list-tags',
  title: `list ${TAGS.toLocaleString('en')} tags (paginated): tagpilot vs crane ls and skopeo list-tags`,
  async run(context) {
    const registry = await registryWithTags(context.stack);
    const image = `${registry.host}/${REPOSITORY}`;
    const warm = new RegistryClient();
    try {
      const counted = (name: string, list: () => Promise<number>) => ({
        name,
        run: async () => expectEqual(`${name} tag count`, await list(), TAGS),
      });
      const tools = [
        counted('tagpilot listTags (warm client)', async () => (await warm.listTags(image)).length),
        counted('tagpilot listTags (new client)', async () => {
          const client = new RegistryClient();
          try {
            return (await client.listTags(image)).length;
          } finally {
            await client.close();
          }
        }),
        counted('crane ls --insecure', () => craneListTags(image)),
        counted('skopeo list-tags', () => skopeoListTags(image)),
      ];
      const [ours, fresh, crane, skopeo] = await alternate(tools, {
        runs: context.runs(RUNS),
        warmup: context.warmup(WARMUP),
      });
      if (!ours || !fresh || !crane || !skopeo) throw new Error('missing series');
      // One more listing per tool, to show how many requests each needs.
      const pages: string[] = [];
      for (const tool of tools) pages.push(`${tool.name} ${await tagListRequests(registry, tool.run)}`);
      const note = `tag-list requests per listing: ${pages.join(', ')}`;
      const label = `list ${TAGS.toLocaleString('en')} tags`;
      const target = (peer: string) => ({ text: `≤ 1.0× ${peer}`, maxRatio: 1 });
      const rows: Row[] = [
        { scenario: this.id, label, unit: 'ms', ours, peer: crane, target: target('crane'), note },
        { scenario: this.id, label, unit: 'ms', ours, peer: skopeo, target: target('skopeo') },
        {
          scenario: this.id,
          label: `${label} (new client per run)`,
          unit: 'ms',
          ours: fresh,
          peer: crane,
          target: target('crane'),
        },
        {
          scenario: this.id,
          label: `${label} (new client per run)`,
          unit: 'ms',
          ours: fresh,
          peer: skopeo,
          target: target('skopeo'),
        },
      ];
      return rows;
    } finally {
      await warm.close();
    }
  },
};
