// The drift watch survives an API server restart, and the periodic full re-sync puts drift back
// even without watches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import { type DriftReport, Syncer, type SyncResult } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { fluxDemoFiles, testLogger, testOwner, waitUntil } from './helpers.ts';

describe('sync: resilience', () => {
  let kube: KubeStack;
  let apps: AppsV1Api;
  before(async () => {
    kube = await startKube();
    apps = kube.kubeConfig.makeApiClient(AppsV1Api);
  });
  after(async () => {
    await kube?.stop();
  });

  const replicas = async () =>
    (await apps.readNamespacedDeployment({ name: 'fluxdemo', namespace: 'my-demo' })).spec?.replicas;

  it('still reverts drift after the API server restarted', async () => {
    const syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('demo'),
      recordEvents: false,
    });
    const reports: DriftReport[] = [];
    syncer.on('drift', (report) => reports.push(report));
    try {
      await syncer.sync({ files: fluxDemoFiles() });
      await syncer.startDriftWatch();
      await kube.restartApiServer();
      await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=3', '-n', 'my-demo']);
      const scaledAt = Date.now();
      await waitUntil('replicas back to 1 after the restart', async () => (await replicas()) === 1, {
        timeoutMs: 10_000,
      });
      console.log(
        `revert after API server restart: ${Date.now() - scaledAt} ms after kubectl scale returned`,
      );
      const stats = Object.values(syncer.watchStats());
      assert.ok(
        stats.some((s) => s.reconnects > 0),
        JSON.stringify(syncer.watchStats()),
      );
      // The revert is what matters here; which manager is named depends on whether the change
      // arrived as a watch event or in the relist after the reconnect (seen once in CI). The report
      // is emitted once the PATCH's answer is in, which a poll of the Deployment can beat under load.
      await waitUntil(
        'the revert report',
        () => reports.some((r) => r.message.startsWith('Deployment my-demo/fluxdemo: spec.replicas 3 -> 1')),
        { timeoutMs: 5_000 },
      );
    } finally {
      await syncer.stop();
    }
  });

  it('puts drift back on the periodic re-sync when nothing watches', async () => {
    const syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('demo'),
      recordEvents: false,
    });
    const syncs: SyncResult[] = [];
    syncer.on('sync', (result) => syncs.push(result));
    try {
      const first = await syncer.sync({ files: fluxDemoFiles() });
      assert.equal(first.writes, 0);
      await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=2', '-n', 'my-demo']);
      syncer.startPeriodicResync(200);
      const resync = await waitUntil('a re-sync that reverts', () =>
        syncs.find((s) => s.counts.configured > 0),
      );
      const deployment = resync.objects.find((o) => o.object === 'Deployment my-demo/fluxdemo');
      assert.deepEqual(deployment?.changes, [{ path: 'spec.replicas', from: '2', to: '1' }]);
      assert.equal(await replicas(), 1);
      const quiet = syncs.length;
      await waitUntil('another re-sync', () => syncs.length > quiet + 1);
      assert.equal(syncs.at(-1)?.writes, 0);
    } finally {
      await syncer.stop();
    }
  });
});
