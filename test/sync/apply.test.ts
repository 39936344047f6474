// The sync applies a repository path with server-side apply, and a sync with nothing to change
// writes nothing: the resourceVersions stay the same.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Syncer } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { fluxDemoFiles, getJson, testLogger, testOwner } from './helpers.ts';

describe('sync: apply', () => {
  let kube: KubeStack;
  let syncer: Syncer;
  before(async () => {
    kube = await startKube();
    syncer = new Syncer({ kubeConfig: kube.kubeConfig, logger: testLogger(), owner: testOwner('demo') });
  });
  after(async () => {
    await syncer?.stop();
    await kube?.stop();
  });

  it('applies the flux demo, then a second sync makes zero writes', async () => {
    const files = fluxDemoFiles();
    const first = await syncer.sync({ files });
    assert.equal(first.error, undefined);
    assert.deepEqual(first.problems, []);
    assert.deepEqual(
      first.objects.map((o) => [o.object, o.action]),
      [
        ['Namespace my-demo', 'created'],
        ['ConfigMap my-demo/nginx-conf', 'created'],
        ['Deployment my-demo/fluxdemo', 'created'],
      ],
    );
    assert.deepEqual(first.inventory.map((e) => e.id).sort(), [
      '_my-demo__Namespace',
      'my-demo_fluxdemo_apps_Deployment',
      'my-demo_nginx-conf__ConfigMap',
    ]);
    const deployment = await getJson(kube, ['deployment', 'fluxdemo', '-n', 'my-demo']);
    assert.ok(deployment);
    assert.equal(
      (deployment.metadata.labels as Record<string, string>)['tagpilot.io/managed-by'],
      'tagpilot-system.demo',
    );
    const images = (
      deployment.spec as { template: { spec: { containers: { image: string }[] } } }
    ).template.spec.containers.map((c) => c.image);
    assert.deepEqual(images, ['nginx:1.16-perl', '127.0.0.1:5000/flaskapp:develop-v1.8.0']);

    const versions = async () =>
      Promise.all([
        getJson(kube, ['namespace', 'my-demo']),
        getJson(kube, ['configmap', 'nginx-conf', '-n', 'my-demo']),
        getJson(kube, ['deployment', 'fluxdemo', '-n', 'my-demo']),
      ]).then((objects) => objects.map((o) => o?.metadata.resourceVersion));
    const before = await versions();
    const patchesBefore = syncer.client.counts.PATCH;
    const second = await syncer.sync({ files, previousInventory: first.inventory });
    assert.equal(second.writes, 0);
    assert.equal(second.counts.unchanged, 3);
    assert.deepEqual(await versions(), before);
    // Nothing changed since this Syncer verified the objects: not even a dry run went out.
    assert.equal(syncer.client.counts.PATCH - patchesBefore, 0);

    // Without that cache (as after a restart) the live objects prove themselves unchanged (our
    // Apply entry owns exactly the manifest's fields, each with its value): no dry run either.
    const uncached = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('demo'),
      dryRunCacheMs: 0,
    });
    try {
      const third = await uncached.sync({ files, previousInventory: second.inventory });
      assert.equal(third.writes, 0);
      assert.equal(third.counts.unchanged, 3);
      assert.equal(uncached.client.counts.PATCH, 0);
      assert.deepEqual(await versions(), before);
    } finally {
      await uncached.stop();
    }
  });
});
