// Promise 1 and 2 under crashes, on the real stack: 30 rounds of pushing a new tag (and now and
// then a `kubectl scale`) while the controller is SIGKILLed at a random moment — scanning,
// editing, committing, pushing, applying or reverting — and started again with an empty cache,
// as a crashed pod would be. Every pushed tag must end up in Git exactly once, in order, never
// lower; the cluster must converge to Git; and no object may be deleted (uids never change). The
// kill points are read from outside right after the kill: whether the commit had reached Git, the
// cluster had the image, the scaled replicas were back. TAGPILOT_CHAOS_ROUNDS changes the count.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, installScenario } from '../support/scenario.ts';

const ROUNDS = Number(process.env.TAGPILOT_CHAOS_ROUNDS ?? 30);
/** Kill within this long after the tag was pushed: about one scan interval, the commit and the sync. */
const KILL_WINDOW_MS = 2_500;

describe('safety: chaos (SIGKILL at random moments)', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let kubeconfig: string;
  let controller: ControllerProcess | undefined;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const tag = (round: number) => `develop-v1.${10 + round}.0`;
  const uids = async () =>
    (
      await kube.kubectl([
        'get',
        'namespace/my-demo',
        'configmap/nginx-conf',
        'deployment/fluxdemo',
        '-n',
        'my-demo',
        '-o',
        'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.uid}{"\\n"}{end}',
      ])
    ).stdout;
  /** Where the round stood when the controller died, as seen from outside (Git, the cluster). */
  const killPoint = async (pushed: string, scaled: boolean): Promise<string> => {
    const subject = (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim();
    if (!subject.endsWith(`:${pushed}`)) return 'before the push (scan, edit or commit)';
    const image = await deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
    if (!image.endsWith(`:${pushed}`)) return 'after the push, before the apply';
    if (scaled && (await replicas()) !== '1') return 'after the apply, before the revert';
    return 'after everything (idle)';
  };
  const replicas = async () =>
    (await kube.kubectl(['get', 'deployment/fluxdemo', '-n', 'my-demo', '-o', 'jsonpath={.spec.replicas}']))
      .stdout;
  const start = () => startController({ kubeconfig, args: ['--no-leader-elect'], name: 'chaos' });

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    ({ kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '1s' },
    ));
    controller = await start();
    await waitFor(
      'fluxdemo to be applied',
      async () => (await deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask')).endsWith(':develop-v1.8.0'),
      { timeoutMs: 60_000, onTimeout: logTail },
    );
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it(`${ROUNDS} rounds: every tag committed once, in order; the cluster converges; nothing deleted`, async () => {
    const before = await uids();
    assert.equal(before.trim().split('\n').length, 3, before);
    const killPoints = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const created = new Date(Date.UTC(2026, 2, 1 + round)).toISOString();
      await registry.push.pushImage('flaskapp', tag(round), { created });
      if (round % 3 === 0)
        await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=4', '-n', 'my-demo']);
      await sleep(Math.floor(Math.random() * KILL_WINDOW_MS));
      const victim = controller;
      if (!victim) throw new Error('no controller');
      process.kill(-victim.process.pid, 'SIGKILL');
      await victim.process.exited;
      const point = await killPoint(tag(round), round % 3 === 0);
      killPoints.set(point, (killPoints.get(point) ?? 0) + 1);
      controller = await start();
      const expected = `${registry.host}/flaskapp:${tag(round)}`;
      await waitFor(
        `round ${round}: the cluster to run ${tag(round)} with 1 replica`,
        async () =>
          (await deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask')) === expected &&
          (
            await kube.kubectl([
              'get',
              'deployment/fluxdemo',
              '-n',
              'my-demo',
              '-o',
              'jsonpath={.spec.replicas}',
            ])
          ).stdout === '1',
        { timeoutMs: 60_000, onTimeout: logTail },
      );
    }
    const subjects = (await git.gitIn('flux-demo', ['log', '--reverse', '--format=%s', 'main']))
      .trim()
      .split('\n')
      .filter((s) => s.startsWith('Auto-release'));
    const tags = subjects.map((s) => s.slice(s.lastIndexOf(':') + 1));
    assert.deepEqual(
      tags,
      Array.from({ length: ROUNDS }, (_, round) => tag(round)),
      'every pushed tag exactly once, in order',
    );
    assert.equal(await uids(), before, 'an object was deleted and recreated');
    const summary = [...killPoints].map(([point, count]) => `${count}× ${point}`).join(', ');
    console.log(`chaos: ${ROUNDS} rounds; kill points: ${summary}`);
  });
});
