// A re-sync by a Syncer with an empty verification cache (a restarted controller, or one past the
// cache TTL) proves already-applied objects unchanged from their live state and sends no PATCH at
// all, not even a dry run; a real change (an edited manifest, a scaled Deployment, another
// field manager's value) is still applied or reverted. Counted in the API server's audit log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ManifestFile } from '../../controller/manifests/index.ts';
import { Syncer, type SyncResult } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { mustGetJson, testLogger, testOwner, waitUntil, yamlFile } from './helpers.ts';

const NAMESPACES = ['cold-a', 'cold-b'];
const CONFIGMAPS = 20;
const DEPLOYMENTS = 5;

function deployment(namespace: string, i: number, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web-${i}, namespace: ${namespace}, labels: {app: web-${i}}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web-${i}}}
  template:
    metadata: {labels: {app: web-${i}}}
    spec:
      containers:
      - name: web
        image: nginx:1.${i}
        args: ["-g", "daemon off;"]
        ports: [{containerPort: 80, name: http}]
        env: [{name: INDEX, value: "${i}"}]
        resources: {limits: {cpu: 1, memory: 64Mi}}
`;
}

function manifests(options: { value?: string } = {}): ManifestFile[] {
  const documents: string[] = [];
  for (const namespace of NAMESPACES) {
    documents.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}\n`);
    for (let i = 0; i < CONFIGMAPS; i++) {
      const value = i === 0 && options.value ? options.value : `value-${i}`;
      documents.push(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-${i}, namespace: ${namespace}}\ndata: {key: "${value}"}\n`,
      );
    }
    for (let i = 0; i < DEPLOYMENTS; i++) documents.push(deployment(namespace, i, 2));
    documents.push(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${namespace}}
spec:
  selector: {app: web-0}
  ports: [{port: 80, targetPort: http}]
`);
  }
  return [yamlFile('apps/all.yaml', ...documents)];
}

const OBJECTS = NAMESPACES.length * (1 + CONFIGMAPS + DEPLOYMENTS + 1);

describe('sync: a cold re-sync (empty verification cache)', () => {
  let kube: KubeStack;
  let inventory: SyncResult['inventory'];
  const syncers: Syncer[] = [];

  /** A Syncer as a restarted controller has it: nothing verified yet. */
  function restarted(): Syncer {
    const syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('cold'),
    });
    syncers.push(syncer);
    return syncer;
  }

  /** PATCH requests (dry runs included) the API server audited while `run` ran. */
  async function auditedPatches(
    run: () => Promise<SyncResult>,
  ): Promise<{ result: SyncResult; patches: string[] }> {
    const before = kube.auditedWrites().length;
    const result = await run();
    // A marker write after the sync: once it is in the log, so is every request before it.
    const marker = `m${Date.now()}`;
    await kube.kubectl([
      'annotate',
      'namespace',
      'default',
      `tagpilot.io/test-marker=${marker}`,
      '--overwrite',
    ]);
    await waitUntil('the marker write in the audit log', () =>
      kube
        .auditedWrites()
        .slice(before)
        .some((e) => e.objectRef?.resource === 'namespaces' && e.objectRef.name === 'default'),
    );
    const patches = kube
      .auditedWrites()
      .slice(before)
      .filter((e) => e.verb === 'patch' && e.objectRef?.name !== 'default')
      .map((e) => e.requestURI);
    return { result, patches };
  }

  before(async () => {
    kube = await startKube({ audit: true });
    const first = await restarted().sync({ files: manifests() });
    assert.equal(
      first.counts.created,
      OBJECTS,
      JSON.stringify(first.objects.filter((o) => o.action !== 'created')),
    );
    inventory = first.inventory;
  });
  after(async () => {
    for (const syncer of syncers) await syncer.stop();
    await kube?.stop();
  });

  it('a restarted Syncer re-syncs applied objects with 0 PATCH requests, dry runs included', async () => {
    const syncer = restarted();
    const { result, patches } = await auditedPatches(() =>
      syncer.sync({ files: manifests(), previousInventory: inventory }),
    );
    assert.equal(result.counts.unchanged, OBJECTS);
    assert.equal(result.writes, 0);
    assert.deepEqual(patches, []);
    assert.equal(syncer.client.counts.PATCH, 0);
  });

  it('an edited manifest is still applied by a restarted Syncer', async () => {
    const { result, patches } = await auditedPatches(() =>
      restarted().sync({ files: manifests({ value: 'edited' }), previousInventory: inventory }),
    );
    const configured = result.objects.filter((o) => o.action === 'configured').map((o) => o.object);
    assert.deepEqual(configured.sort(), ['ConfigMap cold-a/config-0', 'ConfigMap cold-b/config-0']);
    for (const namespace of NAMESPACES) {
      const map = await mustGetJson(kube, ['configmap', 'config-0', '-n', namespace]);
      assert.deepEqual(map.data, { key: 'edited' });
    }
    // One dry run and one write per changed object; the unchanged ones sent nothing.
    assert.equal(patches.length, 4, patches.join('\n'));
    assert.equal(patches.filter((uri) => uri.includes('dryRun=All')).length, 2);
    await restarted().sync({ files: manifests(), previousInventory: inventory });
  });

  it('live drift is reverted by a restarted Syncer: kubectl scale, and another field manager', async () => {
    await kube.kubectl(['scale', 'deployment', 'web-1', '-n', 'cold-a', '--replicas=5']);
    await kube.kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=someone-else', '-f', '-'],
      {
        input: deployment('cold-b', 2, 7),
      },
    );
    const { result, patches } = await auditedPatches(() =>
      restarted().sync({ files: manifests(), previousInventory: inventory }),
    );
    const configured = result.objects.filter((o) => o.action === 'configured').map((o) => o.object);
    assert.deepEqual(configured.sort(), ['Deployment cold-a/web-1', 'Deployment cold-b/web-2']);
    for (const [namespace, name] of [
      ['cold-a', 'web-1'],
      ['cold-b', 'web-2'],
    ] as const) {
      const live = await mustGetJson(kube, ['deployment', name, '-n', namespace]);
      assert.equal((live.spec as { replicas?: number }).replicas, 2, `${namespace}/${name}`);
    }
    assert.ok(
      patches.every((uri) => uri.includes('/web-1') || uri.includes('/web-2')),
      `only the drifted objects were patched:\n${patches.join('\n')}`,
    );
  });
});
