// The mission, end to end, with every component real and the controller running as its own
// process, on a living cluster (kube-controller-manager, kube-scheduler and two kwok nodes): a new
// develop-v1.9.0 tag is committed into Git (one-line diff), applied, the rollout completes and
// every Pod runs the new image; a manual `kubectl scale` is reverted with an Event and the extra
// Pods go away again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../cli/run-cli.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import {
  deploymentImage,
  eventLines,
  gitSyncCondition,
  installScenario,
  podsOf,
  scaleAndAwaitRevert,
} from '../support/scenario.ts';

describe('flux demo end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const work = makeTempDir('flux-demo-cli');
  const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
  const logTail = () => controller?.process.logTail(40) ?? '';

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube({ nodes: 2 }), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    removeTempDir(work);
  });

  it('applies the repository: the Deployment runs develop-v1.8.0 and the GitSync is Ready', async () => {
    const expected = `${registry.host}/flaskapp:develop-v1.8.0`;
    await waitFor('fluxdemo to be applied', async () => (await flaskImage()) === expected, {
      timeoutMs: 60_000,
      onTimeout: logTail,
    });
    const ready = 'jsonpath={.status.conditions[?(@.type=="Ready")].status}';
    await waitFor(
      'GitSync Ready',
      async () =>
        (await kube.kubectl(['get', 'gitsync', 'flux-demo', '-n', 'tagpilot-system', '-o', ready])).stdout ===
        'True',
      { timeoutMs: 30_000 },
    );
    const conf = await kube.kubectl([
      'get',
      'configmap',
      'nginx-conf',
      '-n',
      'my-demo',
      '-o',
      'jsonpath={.data.default\\.conf}',
    ]);
    assert.match(conf.stdout, /proxy_pass http:\/\/127\.0\.0\.1:5000/);
  });

  it('commits develop-v1.9.0 with a one-line diff and the cluster runs it', async () => {
    const pushed = Date.now();
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const subject = `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`;
    const head = async () => (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim();
    await waitFor('the automated commit', async () => (await head()) === subject, {
      timeoutMs: 60_000,
      onTimeout: logTail,
    });
    const committed = Date.now();
    const diff = await git.gitIn('flux-demo', ['show', '--format=%an <%ae>', '--unified=0', 'main']);
    const changed = diff.split('\n').filter((line) => /^[-+](?![-+])/.test(line));
    assert.deepEqual(changed, [
      `-        image: ${registry.host}/flaskapp:develop-v1.8.0`,
      `+        image: ${registry.host}/flaskapp:develop-v1.9.0`,
    ]);
    assert.match(diff, /^tagpilot <tagpilot@users\.noreply\.local>/);
    const expected = `${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor('the Deployment to run develop-v1.9.0', async () => (await flaskImage()) === expected, {
      timeoutMs: 30_000,
    });
    const applied = Date.now();
    const rollout = await kube.kubectl(
      ['rollout', 'status', 'deployment/fluxdemo', '-n', 'my-demo', '--timeout=90s'],
      { allowFailure: true },
    );
    assert.equal(rollout.code, 0, rollout.stderr);
    await waitFor(
      'every fluxdemo Pod to run develop-v1.9.0',
      async () => {
        const pods = await podsOf(kube, 'my-demo', 'app=fluxdemo');
        return pods.length === 1 && pods.every((pod) => pod.ready && pod.images.flask === expected);
      },
      {
        timeoutMs: 60_000,
        onTimeout: async () => JSON.stringify(await podsOf(kube, 'my-demo', 'app=fluxdemo')),
      },
    );
    const running = Date.now();
    await waitFor(
      'the GitSync to be Healthy',
      async () => (await gitSyncCondition(kube, 'flux-demo', 'Healthy'))?.status === 'True',
      {
        timeoutMs: 30_000,
        onTimeout: async () => JSON.stringify(await gitSyncCondition(kube, 'flux-demo', 'Healthy')),
      },
    );
    const status = await cli({ cacheHome: work, kubeconfig: kube.kubeconfigPath })([
      'status',
      'tagpilot-system/flux-demo',
    ]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(
      status.stdout,
      /^Deployment my-demo\/fluxdemo +1\/1 +1 +nginx:1\.16-perl, flaskapp:develop-v1\.9\.0$/m,
    );
    process.stdout.write(
      `# tag push -> commit ${committed - pushed} ms, -> cluster ${applied - pushed} ms, -> every Pod running it ${running - pushed} ms (2s intervals, no webhook)\n`,
    );
  });

  it('reverts kubectl scale at once and records an Event', async () => {
    const ms = await scaleAndAwaitRevert(kube, {
      namespace: 'my-demo',
      name: 'fluxdemo',
      replicas: 4,
      expected: 1,
    });
    process.stdout.write(`# kubectl scale reverted in ${ms} ms (including kubectl start-up)\n`);
    const event = 'DriftReverted: Deployment my-demo/fluxdemo: spec.replicas 4 -> 1 (changed by kubectl)';
    await waitFor('a drift event', async () => (await eventLines(kube, 'my-demo')).includes(event), {
      timeoutMs: 10_000,
    });
    // The ReplicaSet may have made extra Pods in the moment the Deployment said 4; they go again.
    await waitFor(
      'one fluxdemo Pod again',
      async () => (await podsOf(kube, 'my-demo', 'app=fluxdemo')).length === 1,
      {
        timeoutMs: 30_000,
        onTimeout: async () => JSON.stringify(await podsOf(kube, 'my-demo', 'app=fluxdemo')),
      },
    );
  });

  it('reverts kubectl rollout undo: the Pods run the image in Git again', async () => {
    const expected = `${registry.host}/flaskapp:develop-v1.9.0`;
    await kube.kubectl(['rollout', 'undo', 'deployment/fluxdemo', '-n', 'my-demo']);
    await waitFor('the template back at develop-v1.9.0', async () => (await flaskImage()) === expected, {
      timeoutMs: 15_000,
      onTimeout: logTail,
    });
    await waitFor(
      'every fluxdemo Pod on develop-v1.9.0 again',
      async () => {
        const pods = (await podsOf(kube, 'my-demo', 'app=fluxdemo')).filter((pod) => !pod.terminating);
        return pods.length === 1 && pods.every((pod) => pod.ready && pod.images.flask === expected);
      },
      {
        timeoutMs: 60_000,
        onTimeout: async () => JSON.stringify(await podsOf(kube, 'my-demo', 'app=fluxdemo')),
      },
    );
    const events = await eventLines(kube, 'my-demo');
    assert.match(
      events,
      /DriftReverted: Deployment my-demo\/fluxdemo: .*develop-v1\.8\.0 -> .*develop-v1\.9\.0/,
    );
  });
});
