// The knobs a person turns while something is wrong, on the real stack: `tagpilot suspend` stops
// drift reverts too, a changed `sync.revertDrift` takes effect without a restart, `tagpilot sync`
// re-applies an unchanged commit, and a refused sync (EmptyRender) is retried at the poll interval
// with one Event, not one a second.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli } from '../cli/run-cli.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario, scaleAndAwaitRevert } from '../support/scenario.ts';
import { exists, gitSyncStatus } from './gitsync-status.ts';
import { cloneAsUser, type UserClone } from './user-clone.ts';

describe('safety: suspend, revertDrift, tagpilot sync and refused syncs', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let clone: UserClone;
  let cacheHome: string;
  let tagpilot: (args: string[]) => ReturnType<ReturnType<typeof cli>>;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const replicas = async () =>
    (await kube.kubectl(['get', 'deployment/fluxdemo', '-n', 'my-demo', '-o', 'jsonpath={.spec.replicas}']))
      .stdout;
  const reason = async (type: string) =>
    (await gitSyncStatus(kube, 'flux-demo')).conditions.get(type)?.reason;
  const patchSpec = (spec: string) =>
    kube.kubectl(['patch', 'gitsync', 'flux-demo', '-n', 'tagpilot-system', '--type=merge', '-p', spec]);
  /** Waits until the controller has reconciled the GitSync's current generation. */
  const awaitObserved = async () => {
    const jsonpath = 'jsonpath={.metadata.generation} {.status.observedGeneration}';
    await waitFor(
      'the GitSync spec change to be observed',
      async () => {
        const [generation, observed] = (
          await kube.kubectl(['get', 'gitsync', 'flux-demo', '-n', 'tagpilot-system', '-o', jsonpath])
        ).stdout.split(' ');
        return generation !== undefined && generation === observed;
      },
      { timeoutMs: 20_000, onTimeout: logTail },
    );
  };

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    cacheHome = makeTempDir('sync-controls-cli');
    tagpilot = cli({ cacheHome, kubeconfig: kube.kubeconfigPath });
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '1s' },
    );
    controller = await startController({ kubeconfig });
    clone = await cloneAsUser(git, 'flux-demo');
    await waitFor('fluxdemo to be applied', () => exists(kube, ['deployment/fluxdemo', '-n', 'my-demo']), {
      timeoutMs: 60_000,
      onTimeout: logTail,
    });
    await scaleAndAwaitRevert(kube, { namespace: 'my-demo', name: 'fluxdemo', replicas: 3, expected: 1 });
  });

  after(async () => {
    await controller?.stop();
    clone?.remove();
    if (cacheHome) removeTempDir(cacheHome);
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('tagpilot suspend stops drift reverts; resume puts the replicas back', async () => {
    const suspended = await tagpilot(['suspend', 'tagpilot-system/flux-demo']);
    assert.equal(suspended.code, 0, suspended.stderr);
    await waitFor('Ready=False Suspended', async () => (await reason('Ready')) === 'Suspended');
    await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=4', '-n', 'my-demo']);
    // Drift is reverted within about a second while watched; give it several times that.
    await sleep(4_000);
    assert.equal(await replicas(), '4', 'a suspended GitSync reverted drift');
    const resumed = await tagpilot(['resume', 'tagpilot-system/flux-demo']);
    assert.equal(resumed.code, 0, resumed.stderr);
    await waitFor('replicas back at 1 after resume', async () => (await replicas()) === '1', {
      timeoutMs: 20_000,
      onTimeout: logTail,
    });
  });

  it('sync.revertDrift: false takes effect at the next reconcile, and tagpilot sync re-applies the commit', async () => {
    await patchSpec('{"spec":{"sync":{"revertDrift":false}}}');
    await awaitObserved();
    await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=4', '-n', 'my-demo']);
    await sleep(4_000);
    assert.equal(await replicas(), '4', 'drift was reverted with revertDrift: false');
    const sync = await tagpilot(['sync', 'tagpilot-system/flux-demo']);
    assert.equal(sync.code, 0, sync.stderr);
    await waitFor('tagpilot sync to put the replicas back', async () => (await replicas()) === '1', {
      timeoutMs: 20_000,
      onTimeout: logTail,
    });
    await patchSpec('{"spec":{"sync":{"revertDrift":true}}}');
    await awaitObserved();
    await scaleAndAwaitRevert(kube, { namespace: 'my-demo', name: 'fluxdemo', replicas: 2, expected: 1 });
  });

  it('a refused sync records one Event and retries at the poll interval, not every second', async () => {
    await clone.commit(
      {
        'namespace.yaml': '# moved away\n',
        'configmap.yaml': '# moved away\n',
        'deployment.yaml': '# moved away\n',
      },
      'comment everything out',
    );
    await waitFor('Synced=False EmptyRender', async () => (await reason('Synced')) === 'EmptyRender', {
      timeoutMs: 30_000,
      onTimeout: logTail,
    });
    // Five poll intervals (1 s each): the sync is retried, the Event is not repeated.
    await sleep(5_000);
    const { stdout } = await kube.kubectl([
      'get',
      'events',
      '-n',
      'tagpilot-system',
      '-o',
      'jsonpath={range .items[?(@.reason=="EmptyRender")]}{.count}/{.series.count} {end}',
    ]);
    const occurrences = stdout.trim().split(' ').filter(Boolean);
    assert.equal(occurrences.length, 1, `EmptyRender events: ${stdout}`);
    assert.match(occurrences[0] ?? '', /^(1|0)?\/$/, `the EmptyRender event repeated: ${stdout}`);
    assert.equal(await exists(kube, ['deployment/fluxdemo', '-n', 'my-demo']), true);
  });
});
