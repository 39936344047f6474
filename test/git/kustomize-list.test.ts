// Files named `Kustomization` and workloads inside `kind: List` documents, on the real Git server:
// both are read from the working copy, updated with a one-scalar edit, and pushed in one commit;
// the marker's new tag `1.10` is written quoted so that it stays a string.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitAndPush } from '../../controller/automation/index.ts';
import type { ImageUpdate } from '../../controller/manifests/index.ts';
import { changedLines, type Harness, REGISTRY, startHarness } from './harness.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'kustomize-list');

const updates: ImageUpdate[] = [
  {
    target: { type: 'marker', policy: { namespace: 'apps', name: 'app' } },
    image: { repo: `${REGISTRY}/app`, tag: '1.10' },
  },
  {
    target: {
      type: 'container',
      path: 'apps/list.yaml',
      workload: { kind: 'Deployment', namespace: 'apps', name: 'worker' },
      container: 'main',
    },
    image: { repo: `${REGISTRY}/worker`, tag: '2.4.0' },
  },
];

describe('a Kustomization file and a kind: List document', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.server.createRepo('kustomize-list', { fromDir: FIXTURE, replace: { REGISTRY_HOST: REGISTRY } });
  });
  after(() => h?.close());

  it('are read, and updated in one commit that changes one line in each', async () => {
    const repo = await h.open('kustomize-list', h.cacheDir('kustomize-list'));
    const { files } = await repo.readFiles('apps');
    assert.deepEqual(files.map((f) => f.path).sort(), ['apps/Kustomization', 'apps/list.yaml']);

    const result = await commitAndPush({ repo, updates });
    assert.deepEqual(result.unapplied, []);
    assert.equal(result.changes.length, 2);
    const diff = await h.bare('kustomize-list', ['show', '--format=', 'main']);
    assert.deepEqual(changedLines(diff), [
      '-    newTag: 1.9 # {"$imagepolicy": "apps:app:tag"}',
      '+    newTag: "1.10" # {"$imagepolicy": "apps:app:tag"}',
      `-              image: ${REGISTRY}/worker:2.3.0 # pinned by the release`,
      `+              image: ${REGISTRY}/worker:2.4.0 # pinned by the release`,
    ]);
  });
});
