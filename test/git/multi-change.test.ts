// All updates of one automation run go into one commit: two workloads and a HelmRelease setter
// marker, three changed lines, a summary message with one line per change.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitAndPush } from '../../controller/automation/index.ts';
import type { ImageUpdate } from '../../controller/manifests/index.ts';
import { changedLines, type Harness, REGISTRY, startHarness } from './harness.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'multi');

const updates: ImageUpdate[] = [
  {
    target: {
      type: 'container',
      path: 'apps/frontend.yaml',
      workload: { kind: 'Deployment', namespace: 'apps', name: 'frontend' },
      container: 'web',
    },
    image: { repo: `${REGISTRY}/frontend`, tag: '1.1.0' },
  },
  {
    target: {
      type: 'container',
      path: 'apps/worker.yaml',
      workload: { kind: 'StatefulSet', namespace: 'apps', name: 'worker' },
      container: 'main',
    },
    image: { repo: `${REGISTRY}/worker`, tag: '2.4.0' },
  },
  {
    target: { type: 'marker', policy: { namespace: 'apps', name: 'podinfo' } },
    image: { repo: 'ghcr.io/stefanprodan/podinfo', tag: '6.1.0' },
  },
];

describe('several updates in one run', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.server.createRepo('multi', { fromDir: FIXTURE, replace: { REGISTRY_HOST: REGISTRY } });
  });
  after(() => h?.close());

  it('makes one commit with three changed lines and a summary message', async () => {
    const repo = await h.open('multi', h.cacheDir('multi'));
    const result = await commitAndPush({ repo, updates });

    assert.deepEqual(await h.subjects('multi'), ['Auto-release 3 images', 'Initial commit']);
    const message = await h.bare('multi', ['log', '-1', '--format=%B', 'main']);
    assert.equal(
      message,
      [
        'Auto-release 3 images',
        '',
        `- apps/frontend.yaml: apps:deployment/frontend web: ${REGISTRY}/frontend:1.0.0 -> ${REGISTRY}/frontend:1.1.0`,
        `- apps/worker.yaml: apps:statefulset/worker main: ${REGISTRY}/worker:2.3.0 -> ${REGISTRY}/worker:2.4.0`,
        '- releases/podinfo.yaml: $imagepolicy apps:podinfo:tag: 6.0.0 -> 6.1.0',
        '',
        '',
      ].join('\n'),
    );
    assert.equal(result.message, message.trim());

    const diff = await h.bare('multi', ['show', '--format=', 'main']);
    assert.deepEqual(changedLines(diff), [
      `-          image: ${REGISTRY}/frontend:1.0.0 # pinned by automation`,
      `+          image: ${REGISTRY}/frontend:1.1.0 # pinned by automation`,
      `-          image: "${REGISTRY}/worker:2.3.0"`,
      `+          image: "${REGISTRY}/worker:2.4.0"`,
      '-      tag: 6.0.0 # {"$imagepolicy": "apps:podinfo:tag"}',
      '+      tag: 6.1.0 # {"$imagepolicy": "apps:podinfo:tag"}',
    ]);
    const stat = await h.bare('multi', ['show', '--shortstat', '--format=', 'main']);
    assert.equal(stat.trim(), '3 files changed, 3 insertions(+), 3 deletions(-)');
    assert.equal(result.changes.length, 3);
    assert.deepEqual(result.unapplied, []);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], repo.dir), '');
  });

  it('reports what it could not write and still commits the rest', async () => {
    const repo = await h.open('multi', h.cacheDir('multi'));
    const missing: ImageUpdate = {
      target: { type: 'marker', policy: { namespace: 'apps', name: 'nowhere' } },
      image: { repo: 'x', tag: '1' },
    };
    const result = await commitAndPush({
      repo,
      updates: [
        missing,
        { ...updates[0], image: { repo: `${REGISTRY}/frontend`, tag: '1.2.0' } } as ImageUpdate,
      ],
    });
    assert.equal(result.message, `Auto-release ${REGISTRY}/frontend:1.2.0`);
    assert.deepEqual(
      result.unapplied.map((u) => u.code),
      ['NO_TARGET'],
    );
    assert.deepEqual(await h.subjects('multi'), [
      `Auto-release ${REGISTRY}/frontend:1.2.0`,
      'Auto-release 3 images',
      'Initial commit',
    ]);
  });
});
