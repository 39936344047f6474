// spec.sync.createNamespace: the targetNamespace is created before anything is applied, is not
// part of the inventory (so never pruned), and a Namespace of that name in Git wins. Without the
// option a missing namespace fails the objects in it, as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Syncer } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { getJson, testLogger, testOwner, yamlFile } from './helpers.ts';

const bare = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: v\n`;

describe('sync: createNamespace', () => {
  let kube: KubeStack;
  let syncer: Syncer;
  before(async () => {
    kube = await startKube();
    syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('create-ns'),
      recordEvents: false,
    });
  });
  after(async () => {
    await syncer?.stop();
    await kube?.stop();
  });

  it('without the option, objects in a missing targetNamespace fail', async () => {
    const result = await syncer.sync({ files: [yamlFile('a.yaml', bare('a'))], targetNamespace: 'absent' });
    assert.equal(result.counts.failed, 1);
    assert.equal(await getJson(kube, ['namespace', 'absent']), undefined);
  });

  it('creates the targetNamespace first, keeps it out of the inventory and never prunes it', async () => {
    const first = await syncer.sync({
      files: [yamlFile('a.yaml', bare('a'))],
      targetNamespace: 'made',
      createNamespace: true,
    });
    assert.deepEqual(
      first.objects.map((o) => [o.object, o.action]),
      [
        ['Namespace made', 'created'],
        ['ConfigMap made/a', 'created'],
      ],
    );
    assert.deepEqual(
      first.inventory.map((e) => e.id),
      ['made_a__ConfigMap'],
    );
    const ns = (await getJson(kube, ['namespace', 'made'])) as {
      metadata: { labels: Record<string, string> };
    };
    assert.equal(ns.metadata.labels['app.kubernetes.io/created-by'], 'tagpilot');
    // Everything leaves Git (a render with one other object) and the option is turned off.
    const second = await syncer.sync({
      files: [yamlFile('b.yaml', bare('b'))],
      targetNamespace: 'made',
      previousInventory: first.inventory,
    });
    assert.equal(second.objects.find((o) => o.object === 'ConfigMap made/a')?.action, 'pruned');
    assert.notEqual(await getJson(kube, ['namespace', 'made']), undefined, 'the namespace stays');
    // A second sync with the option finds it and reports nothing about it.
    const third = await syncer.sync({
      files: [yamlFile('b.yaml', bare('b'))],
      targetNamespace: 'made',
      createNamespace: true,
      previousInventory: second.inventory,
    });
    assert.equal(third.objects.filter((o) => o.object.startsWith('Namespace')).length, 0);
    assert.equal(third.writes, 0);
  });

  it('leaves a Namespace that Git declares to the render', async () => {
    const result = await syncer.sync({
      files: [
        yamlFile('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: declared\n', bare('c')),
      ],
      targetNamespace: 'declared',
      createNamespace: true,
    });
    assert.equal(result.counts.failed, 0);
    assert.deepEqual(result.inventory.map((e) => e.id).sort(), [
      '_declared__Namespace',
      'declared_c__ConfigMap',
    ]);
  });
});
