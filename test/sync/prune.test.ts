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

  it('prunes nothing while any file of the render has a problem, and keeps the inventory', async () => {
    const first = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a')), yamlFile('b.yaml', configMap('b'))],
    });
    // b.yaml no longer parses and a.yaml lost an object: neither may be pruned over it.
    const broken = await syncer.sync({
      files: [yamlFile('a.yaml', '# a removed\n'), yamlFile('b.yaml', 'kind: ConfigMap\nmetadata: [b\n')],
      previousInventory: first.inventory,
    });
    assert.equal(broken.error?.code, 'EmptyRender');
    const partly = await syncer.sync({
      files: [yamlFile('c.yaml', configMap('c')), yamlFile('b.yaml', 'kind: ConfigMap\nmetadata: [b\n')],
      previousInventory: first.inventory,
    });
    assert.equal(partly.counts.pruned, 0);
    assert.match(
      partly.pruneHeld ?? '',
      /nothing pruned: the render had 1 problem\(s\) \(first: b\.yaml:3\)/,
    );
    assert.deepEqual(partly.inventory.map((e) => e.id).sort(), [
      'prune_a__ConfigMap',
      'prune_b__ConfigMap',
      'prune_c__ConfigMap',
    ]);
    assert.equal(await exists('configmap', 'a'), true);
    assert.equal(await exists('configmap', 'b'), true);
    const fixed = await syncer.sync({
      files: [yamlFile('c.yaml', configMap('c'))],
      previousInventory: partly.inventory,
    });
    assert.deepEqual(
      fixed.objects
        .filter((o) => o.action === 'pruned')
        .map((o) => o.object)
        .sort(),
      ['ConfigMap prune/a', 'ConfigMap prune/b'],
    );
  });

  it('a half object (kind without apiVersion) is a problem, not a removal', async () => {
    const first = await syncer.sync({ files: [yamlFile('a.yaml', configMap('a'), configMap('typo'))] });
    const typo = configMap('typo').replace('apiVersion: v1', 'apiVersoin: v1');
    const second = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a'), typo)],
      previousInventory: first.inventory,
    });
    assert.equal(second.counts.pruned, 0);
    assert.match(second.problems[0]?.message ?? '', /has kind but no string apiVersion/);
    assert.equal(await exists('configmap', 'typo'), true);
  });

  it('does not prune an object that a changed targetNamespace moved', async () => {
    await kube.kubectl(['create', 'namespace', 'prune-moved']);
    const bare = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: moved\ndata:\n  key: v\n';
    const first = await syncer.sync({ files: [yamlFile('m.yaml', bare)], targetNamespace: 'prune' });
    assert.equal(first.counts.created, 1);
    const second = await syncer.sync({
      files: [yamlFile('m.yaml', bare)],
      targetNamespace: 'prune-moved',
      previousInventory: first.inventory,
    });
    const old = second.objects.find((o) => o.object === 'ConfigMap prune/moved');
    assert.equal(old?.action, 'skipped');
    assert.equal(old?.reason, 'NamespaceChanged');
    assert.equal(await exists('configmap', 'moved'), true);
    assert.equal(await exists('configmap', 'moved', 'prune-moved'), true);
  });

  it('never prunes an object or a namespace annotated prune: disabled', async () => {
    const ns = (name: string, annotations = '') =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${annotations}`;
    const disabled = '  annotations:\n    tagpilot.io/prune: disabled\n';
    const first = await syncer.sync({
      files: [
        yamlFile('a.yaml', configMap('a'), configMap('kept', 'prune', disabled)),
        yamlFile('ns.yaml', ns('prune-kept', disabled), configMap('inside', 'prune-kept')),
      ],
    });
    assert.equal(first.counts.failed, 0);
    const second = await syncer.sync({
      files: [yamlFile('a.yaml', configMap('a'))],
      previousInventory: first.inventory,
    });
    const skipped = second.objects.filter((o) => o.action === 'skipped');
    assert.deepEqual(skipped.map((o) => [o.object, o.reason]).sort(), [
      ['ConfigMap prune-kept/inside', 'PruneDisabled'],
      ['ConfigMap prune/kept', 'PruneDisabled'],
      ['Namespace prune-kept', 'PruneDisabled'],
    ]);
    assert.equal(await exists('configmap', 'kept'), true);
    assert.equal(await exists('configmap', 'inside', 'prune-kept'), true);
  });
});
