// Health that means something, on a living cluster (kube-controller-manager, kube-scheduler, kwok
// nodes): after an automated commit the GitSync is Healthy only once the Deployment's rollout has
// finished; a rollout that cannot finish (an image the nodes cannot pull, past the Deployment's
// progressDeadlineSeconds) makes it Healthy=False with the reason; a good tag afterwards heals it.
// The GitSync has `spec.sync.wait: true`, so Ready follows Healthy (Flux's `wait`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAILING_TAG_SUFFIX } from '../support/cluster-nodes.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { gitSyncCondition, installScenario, podsOf } from '../support/scenario.ts';

describe('rollout health on a living cluster', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const healthy = () => gitSyncCondition(kube, 'rollout', 'Healthy');
  const ready = () => gitSyncCondition(kube, 'rollout', 'Ready');
  const logTail = () => controller?.process.logTail(30) ?? '';
  const committed = async (tag: string) =>
    (await git.gitIn('rollout', ['show', 'main:deployment.yaml'])).includes(`/web:${tag}\n`);

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube({ nodes: 1 }), startRegistry(), startGitServer()]);
    await registry.push.pushImage('web', 'v1', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'rollout' });
    await kube.kubectl([
      'patch',
      'gitsync',
      'rollout',
      '-n',
      'tagpilot-system',
      '--type=merge',
      '-p',
      '{"spec":{"sync":{"wait":true,"timeout":"2m"}}}',
    ]);
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('Healthy=True once both Pods of the first rollout run', async () => {
    await waitFor('Healthy=True', async () => (await healthy())?.status === 'True', {
      timeoutMs: 90_000,
      onTimeout: async () => `${JSON.stringify(await healthy())}\n${logTail()}`,
    });
    const pods = await podsOf(kube, 'rollout', 'app=web');
    assert.equal(pods.filter((pod) => pod.ready && pod.images.web?.endsWith('/web:v1')).length, 2);
    assert.equal((await ready())?.status, 'True');
  });

  it('a rollout that cannot finish: Healthy=False naming the Deployment and why', async () => {
    const broken = `v2${FAILING_TAG_SUFFIX}`;
    await registry.push.pushImage('web', broken, { created: '2026-02-01T00:00:00Z' });
    await waitFor(`the commit of ${broken}`, () => committed(broken), {
      timeoutMs: 60_000,
      onTimeout: logTail,
    });
    await waitFor('Healthy=False', async () => (await healthy())?.status === 'False', {
      timeoutMs: 90_000,
      onTimeout: async () => `${JSON.stringify(await healthy())}\n${logTail()}`,
    });
    const condition = await healthy();
    console.log(`broken rollout: Healthy=${condition?.status} ${condition?.reason}: ${condition?.message}`);
    assert.equal(condition?.reason, 'Failed');
    assert.match(condition?.message ?? '', /Deployment rollout\/web/);
    assert.match(condition?.message ?? '', /progress|deadline/i);
    // sync.wait: Ready follows.
    await waitFor(
      'Ready=False HealthCheckFailed',
      async () => (await ready())?.reason === 'HealthCheckFailed',
      {
        timeoutMs: 10_000,
        onTimeout: async () => JSON.stringify(await ready()),
      },
    );
    // The old Pods keep serving: a failed rollout never takes down what ran.
    const pods = await podsOf(kube, 'rollout', 'app=web');
    assert.ok(
      pods.some((pod) => pod.ready && pod.images.web?.endsWith('/web:v1')),
      JSON.stringify(pods),
    );
  });

  it('a good tag afterwards rolls out and heals Healthy', async () => {
    await registry.push.pushImage('web', 'v3', { created: '2026-03-01T00:00:00Z' });
    await waitFor('the commit of v3', () => committed('v3'), { timeoutMs: 60_000, onTimeout: logTail });
    await waitFor('Healthy=True again', async () => (await healthy())?.status === 'True', {
      timeoutMs: 90_000,
      onTimeout: async () => `${JSON.stringify(await healthy())}\n${logTail()}`,
    });
    const pods = await podsOf(kube, 'rollout', 'app=web');
    const live = pods.filter((pod) => !pod.terminating);
    assert.ok(
      live.every((pod) => pod.images.web?.endsWith('/web:v3')),
      JSON.stringify(pods),
    );
  });
});
