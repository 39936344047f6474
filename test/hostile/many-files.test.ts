// A commit of 50,000 manifest files, with the default limits (DESIGN §0 promise 4; issue 12). Real
// kube-apiserver + etcd, registry and Git server; the controller runs as its own process with no
// limit flags. What a user sees: Ready=False RepositoryTooLarge with the count and the limit, in the
// GitSync and in `tagpilot status`; the objects of the earlier commit stay, nothing of the new one
// is applied; the commit that removes the files syncs again. Meanwhile /healthz, asked every
// 100 ms on a new connection, answers every time and quickly, and the controller keeps its Lease.
// On the old code the fetch held the event loop for 7-10 s (isomorphic-git indexing the pack):
// /healthz timed out and the controller lost its Lease and stopped; and the whole commit was
// written out before its files were counted (~60 s). Figures (time to the refusal, /healthz
// latencies) are printed as test diagnostics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../cli/run-cli.ts';
import { awaitSyncOf, exists, gitSyncStatus } from '../safety/gitsync-status.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { type BulkClone, bulkClone } from './bulk-commit.ts';
import {
  describeProbe,
  HEALTHZ_MAX_MS,
  type HealthzProbe,
  probeHealthz,
  summarize,
} from './healthz-probe.ts';

const FILES = 50_000;

function* manyFiles(): Iterable<[string, string]> {
  for (let i = 0; i < FILES; i++) {
    yield [
      `many/cm-${i}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: many-${i}, namespace: my-demo}\ndata: {n: "${i}"}\n`,
    ];
  }
}

describe('hostile: a 50,000-file repository with the default limits', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let clone: BulkClone;
  let probe: HealthzProbe | undefined;
  let cacheHome: string;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const configMapLives = () => exists(kube, ['configmap', 'nginx-conf', '-n', 'my-demo']);
  const deploymentLives = () => exists(kube, ['deployment', 'fluxdemo', '-n', 'my-demo']);

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    controller = await startController({ kubeconfig });
    clone = await bulkClone(git, 'flux-demo');
    cacheHome = makeTempDir('many-files-cli');
    await waitFor('the ConfigMap to be applied', configMapLives, { timeoutMs: 60_000, onTimeout: logTail });
    probe = probeHealthz(controller.port);
  });

  after(async () => {
    await probe?.stop();
    await controller?.stop();
    clone?.remove();
    if (cacheHome) removeTempDir(cacheHome);
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('Ready=False RepositoryTooLarge with the count, nothing applied or pruned; removing the files recovers', async (t) => {
    probe?.phase('commit and push');
    const pushing = performance.now();
    const commit = await clone.commit({ files: manyFiles(), message: '50,000 ConfigMaps' });
    t.diagnostic(`generated and pushed ${FILES} files in ${Math.round(performance.now() - pushing)} ms`);
    probe?.phase('fetch, count, refuse');
    const pushed = performance.now();
    await awaitSyncOf(kube, 'flux-demo', commit, { timeoutMs: 180_000, onTimeout: logTail });
    t.diagnostic(`push -> RepositoryTooLarge on the GitSync: ${Math.round(performance.now() - pushed)} ms`);
    probe?.phase('refused');
    const { conditions, inventory } = await gitSyncStatus(kube, 'flux-demo');
    const ready = conditions.get('Ready');
    assert.equal(ready?.status, 'False', JSON.stringify([...conditions.values()]));
    assert.equal(ready?.reason, 'RepositoryTooLarge');
    assert.equal(
      ready?.message,
      `commit ${commit.slice(0, 7)}: the repository root holds 50,003 manifest files, over the limit of 10,000; ` +
        'limit set by --max-manifest-files; nothing applied, nothing pruned',
    );
    assert.equal(await configMapLives(), true, 'the ConfigMap of the earlier commit was pruned');
    assert.equal(await deploymentLives(), true, 'the Deployment of the earlier commit was pruned');
    assert.equal(
      await exists(kube, ['configmap', 'many-0', '-n', 'my-demo']),
      false,
      'a refused sync applied',
    );
    assert.ok(
      inventory.includes('my-demo_nginx-conf__ConfigMap'),
      `inventory lost the ConfigMap: ${inventory}`,
    );

    // The user's view: `tagpilot status` says not ready, with the reason and the count (exit 1).
    const status = await cli({ cacheHome, kubeconfig: kube.kubeconfigPath })(['status']);
    assert.equal(status.code, 1, status.stderr + status.stdout);
    assert.match(status.stdout, /^tagpilot-system +flux-demo +False /m);
    assert.match(
      status.stdout,
      /^1 GitSync: 0 ready, 1 not ready \(tagpilot-system\/flux-demo: RepositoryTooLarge: commit [0-9a-f]{7}: the repository root holds 50,003 manifest files, over the limit of 10,000; limit set by --max-manifest-files; nothing applied, nothing pruned\)$/m,
    );
    // Still alive, still ready (and still the leader: it keeps writing status, see the recovery).
    assert.equal((await fetch(`http://127.0.0.1:${controller?.port}/readyz`)).status, 200);

    probe?.phase('removal');
    const removal = await clone.commit({ remove: ['many'], message: 'remove the 50,000 ConfigMaps' });
    const removed = performance.now();
    const fixed = await awaitSyncOf(kube, 'flux-demo', removal, { timeoutMs: 120_000, onTimeout: logTail });
    t.diagnostic(`removal commit -> Ready=True: ${Math.round(performance.now() - removed)} ms`);
    assert.equal(fixed.get('Ready')?.status, 'True', fixed.get('Ready')?.message);
    assert.equal(await configMapLives(), true);
    assert.equal(await exists(kube, ['configmap', 'many-0', '-n', 'my-demo']), false);
  });

  let slowestMs = Number.POSITIVE_INFINITY;

  it('/healthz answered every request while the controller fetched and counted the 50,000 files', async (t) => {
    const samples = (await probe?.stop()) ?? [];
    probe = undefined;
    const summary = summarize(samples);
    slowestMs = summary.maxMs;
    t.diagnostic(describeProbe(summary));
    assert.ok(summary.count > 50, `only ${summary.count} /healthz requests were made`);
    assert.deepEqual(summary.failed, [], 'some /healthz requests failed');
  });

  it(`the slowest /healthz answer took under ${HEALTHZ_MAX_MS} ms`, () => {
    assert.ok(slowestMs < HEALTHZ_MAX_MS, `the slowest /healthz answer took ${slowestMs} ms`);
  });
});
