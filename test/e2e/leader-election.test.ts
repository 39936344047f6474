// Two controller replicas: only the leader writes; when the leader is killed the standby takes
// over and completes the next update; a replica killed in the middle of an automation run
// leaves no duplicate or lost commit behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, installScenario } from '../support/scenario.ts';

describe('leader election and restarts end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let kubeconfig: string;
  const replicas: ControllerProcess[] = [];

  const holder = async () =>
    (
      await kube.kubectl(
        ['get', 'lease', 'tagpilot-leader', '-n', 'tagpilot-system', '-o', 'jsonpath={.spec.holderIdentity}'],
        {
          allowFailure: true,
        },
      )
    ).stdout;
  const start = async (identity: string) => {
    const replica = await startController({ kubeconfig, name: identity, args: [`--identity=${identity}`] });
    replicas.push(replica);
    return replica;
  };
  const kill = (replica: ControllerProcess) => process.kill(-replica.process.pid, 'SIGKILL');
  const autoReleases = async () =>
    (await git.gitIn('flux-demo', ['log', '--format=%s', 'main']))
      .split('\n')
      .filter((s) => s.startsWith('Auto-release'));
  const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    ({ kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '1s' },
    ));
  });

  after(async () => {
    await Promise.allSettled(replicas.map((replica) => replica.stop()));
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('only the leader writes, and the standby takes over when the leader dies', async () => {
    const a = await start('replica-a');
    await waitFor('replica-a to lead', async () => (await holder()) === 'replica-a', { timeoutMs: 20_000 });
    const b = await start('replica-b');
    await waitFor('the first sync', async () => (await flaskImage()).endsWith('develop-v1.8.0'), {
      timeoutMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const standbyWork = b
      .logs()
      .filter((line) => ['synced', 'pushed automated commit', 'started leading'].includes(String(line.msg)));
    assert.deepEqual(standbyWork, [], 'the standby must not reconcile');

    kill(a);
    const killed = Date.now();
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    await waitFor('replica-b to lead', async () => (await holder()) === 'replica-b', { timeoutMs: 30_000 });
    const tookOver = Date.now() - killed;
    await waitFor(
      'the update by the new leader',
      async () => (await flaskImage()).endsWith('develop-v1.9.0'),
      {
        timeoutMs: 30_000,
        onTimeout: () => b.process.logTail(20),
      },
    );
    process.stdout.write(`# standby took over ${tookOver} ms after the leader was killed (lease 15 s)\n`);
    assert.ok(tookOver < 25_000);
    assert.deepEqual(await autoReleases(), [`Auto-release ${registry.host}/flaskapp:develop-v1.9.0`]);
  });

  it('a leader killed mid-run leaves exactly one commit for the update once a new leader converges', async () => {
    const current = await holder();
    const leader = replicas.find((replica) => replica.process.name === current);
    assert.ok(leader);
    const c = await start('replica-c');
    await registry.push.pushImage('flaskapp', 'develop-v2.0.0', { created: '2026-03-01T00:00:00Z' });
    // Kill the leader while its automation run is likely in progress (1 s scan interval).
    await new Promise((resolve) => setTimeout(resolve, 700));
    kill(leader);
    await waitFor(
      'the update after the restart',
      async () => (await flaskImage()).endsWith('develop-v2.0.0'),
      {
        timeoutMs: 45_000,
        onTimeout: () => c.process.logTail(20),
      },
    );
    const releases = await autoReleases();
    assert.deepEqual(
      releases.filter((subject) => subject.endsWith('develop-v2.0.0')),
      [`Auto-release ${registry.host}/flaskapp:develop-v2.0.0`],
    );
    const status = await git.gitIn('flux-demo', ['log', '--format=%s', 'main']);
    assert.equal(status.split('\n').filter((s) => s === 'Initial commit').length, 1);
  });
});
