// Prune deletes what left Git, and only that: objects that are still ours, never on an empty
// render or a missing path, never `ignore: sync_only`; a failed delete is retried next time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type InventoryEntry, Syncer } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { getJson, testLogger, testOwner, waitUntil, yamlFile } from './helpers.ts';

const configMap = (name: string, namespace = 'prune', extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${extra}data:\n  key: ${name}\n`;

describe('sync: prune', () => {
  let kube: KubeStack;
  let syncer: Syncer;
  before(async () => {
    kube = await startKube();
    await kube.kubectl(['create', 'namespace', 'prune']);
    syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('prune'),
      recordEvents: false,
    });
  });
  after(async () => {
    await syncer?.stop();
    await kube?.stop();
  });

  const exists = async (kind: string, name: string, namespace = 'prune') =>
    (await getJson(kube, [kind, name, '-n', namespace])) !== undefined;

  it('prunes an object removed from Git and keeps the rest', async () => {
    const first = await syncer.sync({ files: [yamlFile('a.yaml', configMap('a'), configMap('b'))] });
    assert.equal(first.counts.created, 2);
    const second = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a'))],
      previousInventory: first.inventory,
    });
    assert.deepEqual(
      second.objects.map((o) => [o.object, o.action]),
      [
        ['ConfigMap prune/a', 'unchanged'],
        ['ConfigMap prune/b', 'pruned'],
      ],
    );
    assert.deepEqual(
      second.inventory.map((e) => e.id),
      ['prune_a__ConfigMap'],
    );
    assert.equal(await exists('configmap', 'b'), false);
    assert.equal(await exists('configmap', 'a'), true);
  });

  it('does not prune an object that no longer carries the ownership label', async () => {
    const first = await syncer.sync({ files: [yamlFile('a.yaml', configMap('a'), configMap('c'))] });
    // Someone takes c over: replaced by an object of the same name that is not ours.
    await kube.kubectl(['delete', 'configmap', 'c', '-n', 'prune']);
    await kube.kubectl(['create', 'configmap', 'c', '-n', 'prune', '--from-literal=key=theirs']);
    const second = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a'))],
      previousInventory: first.inventory,
    });
    const c = second.objects.find((o) => o.object === 'ConfigMap prune/c');
    assert.equal(c?.action, 'skipped');
    assert.equal(c?.reason, 'NotOwned');
    assert.equal(await exists('configmap', 'c'), true);
    assert.deepEqual(
      second.inventory.map((e) => e.id),
      ['prune_a__ConfigMap'],
    );
  });

  it('refuses to prune everything when the render is empty, and errors on a missing path', async () => {
    const first = await syncer.sync({ files: [yamlFile('a.yaml', configMap('a'))] });
    const empty = await syncer.sync({
      files: [yamlFile('a.yaml', '# everything commented out\n')],
      previousInventory: first.inventory,
    });
    assert.equal(empty.error?.code, 'EmptyRender');
    assert.deepEqual(empty.inventory, first.inventory);
    assert.equal(empty.writes, 0);
    const missing = await syncer.sync({ files: undefined, previousInventory: first.inventory });
    assert.equal(missing.error?.code, 'PathMissing');
    assert.deepEqual(missing.inventory, first.inventory);
    assert.equal(await exists('configmap', 'a'), true);
  });

  it('never prunes ignore: sync_only and never applies ignore: "true"', async () => {
    const syncOnly = configMap('keep', 'prune', '  annotations:\n    fluxcd.io/ignore: sync_only\n');
    const ignored = configMap('ignored', 'prune', '  annotations:\n    tagpilot.io/ignore: "true"\n');
    const first = await syncer.sync({ files: [yamlFile('a.yaml', configMap('a'), syncOnly, ignored)] });
    assert.deepEqual(
      first.objects.map((o) => o.object),
      ['ConfigMap prune/a', 'ConfigMap prune/keep'],
    );
    assert.equal(await exists('configmap', 'ignored'), false);
    const second = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a'))],
      previousInventory: first.inventory,
    });
    const keep = second.objects.find((o) => o.object === 'ConfigMap prune/keep');
    assert.equal(keep?.action, 'skipped');
    assert.equal(keep?.reason, 'Ignored');
    assert.equal(await exists('configmap', 'keep'), true);
  });

  it('keeps an object whose delete failed in the inventory and prunes it on a later sync', async () => {
    // A ValidatingAdmissionPolicy (built into the API server) refuses to delete "stubborn".
    const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-delete-stubborn}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["DELETE"]
      resources: ["configmaps"]
  validations:
  - expression: "oldObject.metadata.name != 'stubborn'"
    message: stubborn may not be deleted
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-delete-stubborn}
spec:
  policyName: no-delete-stubborn
  validationActions: [Deny]
`;
    await kube.kubectl(['apply', '-f', '-'], { input: policy });
    const first = await syncer.sync({ files: [yamlFile('a.yaml', configMap('a'), configMap('stubborn'))] });
    // The policy takes a moment to be enforced.
    await waitUntil(
      'the delete policy to be enforced',
      async () => {
        const dry = await kube.kubectl(
          ['delete', 'configmap', 'stubborn', '-n', 'prune', '--dry-run=server'],
          {
            allowFailure: true,
          },
        );
        return dry.code !== 0;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const second = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a'))],
      previousInventory: first.inventory,
    });
    const stubborn = second.objects.find((o) => o.object === 'ConfigMap prune/stubborn');
    assert.equal(stubborn?.action, 'failed');
    assert.match(stubborn?.message ?? '', /stubborn may not be deleted/);
    const kept: InventoryEntry[] = second.inventory;
    assert.ok(kept.some((e) => e.id === 'prune_stubborn__ConfigMap'));
    await kube.kubectl(['delete', 'validatingadmissionpolicybinding', 'no-delete-stubborn']);
    const third = await waitUntil(
      'the delete to succeed',
      async () => {
        const result = await syncer.sync({
          files: [yamlFile('a.yaml', configMap('a'))],
          previousInventory: kept,
        });
        return result.objects.some((o) => o.object === 'ConfigMap prune/stubborn' && o.action === 'pruned')
          ? result
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    assert.deepEqual(
      third.inventory.map((e) => e.id),
      ['prune_a__ConfigMap'],
    );
    assert.equal(await exists('configmap', 'stubborn'), false);
  });

  it('prunes a Namespace after the objects in it (reverse apply order)', async () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gone\n';
    const first = await syncer.sync({
      files: [
        yamlFile('a.yaml', configMap('a')),
        yamlFile('gone.yaml', ns, configMap('one', 'gone'), configMap('two', 'gone')),
      ],
    });
    assert.equal(first.counts.failed, 0);
    const second = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a'))],
      previousInventory: first.inventory,
    });
    assert.deepEqual(
      second.objects.filter((o) => o.action === 'pruned').map((o) => o.object),
      ['ConfigMap gone/two', 'ConfigMap gone/one', 'Namespace gone'],
    );
  });
});
