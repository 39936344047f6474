/**
 * Scenario `rescan`: the automation loop's newest-build re-scan with nothing new (DESIGN §6 target:
 * 0 manifest/config requests). 20 Deployments, each automated with `glob:develop-*` (newest build,
 * so every candidate's build time is needed) on its own repository of 20 images with distinct
 * build times. `planImageUpdates` runs through the registry scanner on one RegistryClient: the
 * first scan fills the metadata cache, each re-scan is counted in the registry's access log
 * (manifest and blob GET/HEAD requests of these repositories). No peer: the count is absolute.
 * Run: npm run bench -- --only rescan
 */
import { planImageUpdates } from '../../controller/automation/plan-updates.ts';
import { registryScanners } from '../../controller/automation/registry-scanner.ts';
import { findWorkloads, readManifests } from '../../controller/manifests/index.ts';
import { RegistryClient } from '../../registry/index.ts';
import { waitFor } from '../support/processes.ts';
import type { RegistryStack } from '../support/registry.ts';
import { expectEqual, type Scenario, time } from './harness.ts';

const REPOSITORIES = 20;
const TAGS = 20;
const RUNS = 5;
const PREFIX = 'rescan/';

const repository = (i: number): string => `${PREFIX}app-${String(i).padStart(2, '0')}`;

function deployment(host: string, i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: bench
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.app: glob:develop-*
spec:
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
      containers:
      - name: app
        image: ${host}/${repository(i)}:develop-v1.0.0
`;
}

/** Request lines of the scenario's repositories so far, by kind. */
function counts(registry: RegistryStack): { tagLists: number; metadata: number } {
  let tagLists = 0;
  let metadata = 0;
  for (const line of registry.requests()) {
    const [method, path] = line.split(' ');
    if (!path?.startsWith(`/v2/${PREFIX}`) || (method !== 'GET' && method !== 'HEAD')) continue;
    if (path.includes('/tags/list')) tagLists++;
    else if (path.includes('/manifests/') || path.includes('/blobs/')) metadata++;
  }
  return { tagLists, metadata };
}

/** The `rescan` scenario. */
export const rescanScenario: Scenario = {
  id: 'rescan',
  title: `newest-build re-scan of ${REPOSITORIES} repos × ${TAGS} tags with nothing new: manifest/config requests`,
  async run(context) {
    const registry = await context.stack.shared('rescan-repositories', async () => {
      const stack = await context.stack.registry();
      for (let r = 0; r < REPOSITORIES; r++) {
        for (let t = 0; t < TAGS; t++) {
          const created = new Date(Date.UTC(2026, 0, 1 + t, r));
          await stack.push.pushImage(repository(r), `develop-v1.0.${t}`, { created });
        }
      }
      return { value: stack, cleanup: async () => {} };
    });
    const files = Array.from({ length: REPOSITORIES }, (_, i) => ({
      path: `apps/app-${i}.yaml`,
      content: deployment(registry.host, i),
    }));
    const workloads = findWorkloads(readManifests(files));
    expectEqual('automated workloads', workloads.filter((w) => w.automated).length, REPOSITORIES);
    const client = new RegistryClient();
    const scanner = registryScanners(client)({});
    let scans = 0;
    const base = counts(registry);
    /** One scan; waits until the access log shows its tag lists, then returns the new counts. */
    const scan = async (): Promise<{ ms: number; metadata: number }> => {
      const before = counts(registry);
      let updates = 0;
      const ms = await time(async () => {
        const plan = await planImageUpdates({ workloads, markers: [], policies: new Map(), scanner });
        updates = plan.updates.length;
      });
      expectEqual('updates planned', updates, REPOSITORIES);
      scans++;
      await waitFor('the access log to show the scan', () => {
        return counts(registry).tagLists - base.tagLists >= scans * REPOSITORIES;
      });
      return { ms, metadata: counts(registry).metadata - before.metadata };
    };
    try {
      const first = await scan();
      const values: number[] = [];
      const times: number[] = [];
      for (let i = 0; i < context.runs(RUNS); i++) {
        const again = await scan();
        values.push(again.metadata);
        times.push(again.ms);
      }
      // Requests logged after the last count (none expected) are charged to the last re-scan.
      const late =
        counts(registry).metadata - base.metadata - first.metadata - values.reduce((a, b) => a + b, 0);
      if (late > 0 && values.length > 0) values.push((values.pop() ?? 0) + late);
      const timesText = times.map((t) => t.toFixed(0)).join(', ');
      return [
        {
          scenario: this.id,
          label: `re-scan ${REPOSITORIES}×${TAGS} newest-build, nothing new`,
          unit: 'requests',
          ours: { name: 'planImageUpdates + RegistryClient', values },
          target: { text: '0 manifest/config requests', maxValue: 0 },
          note:
            `first (cold) scan: ${first.metadata} manifest/config requests in ${first.ms.toFixed(0)} ms; ` +
            `re-scans took ${timesText} ms (${REPOSITORIES} tag-list requests each); within tagMaxAge (1 h) a tag's ` +
            'digest is trusted, after it one HEAD per candidate tag revalidates it',
        },
      ];
    } finally {
      await client.close();
    }
  },
};
