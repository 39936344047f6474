// One branch and one pull request per image on a real forge: the flux demo (its `flask` container
// automated by Flux v1 annotations) plus a `worker` Deployment whose image carries a `$imagepolicy`
// marker, in a Gitea repository with `automation.push.branch: tagpilot/{{policy}}`. New tags of both
// open two pull requests from `tagpilot/deployment-fluxdemo-flask` and `tagpilot/worker`, each
// diff only its own line; a newer flask tag updates only the flask pull request (same number);
// nothing reaches the sync branch before a merge; merging the worker pull request through Gitea's
// API syncs the cluster and clears its entry in `status.pullRequests`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BranchPullRequestStatus } from '../../controller/api/types.ts';
import { cli } from '../cli/run-cli.ts';
import { writeSecretFile } from '../server/flux-demo-helpers.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GiteaServer, startGitea } from '../support/gitea.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, eventLines, installScenario } from '../support/scenario.ts';

const REPO = 'pull-request-per-image';
const FLASK_BRANCH = 'tagpilot/deployment-fluxdemo-flask';
const WORKER_BRANCH = 'tagpilot/worker';

describe('a pull request per image on Gitea end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let gitea: GiteaServer;
  let controller: ControllerProcess | undefined;
  let seeded = '';
  const secret = writeSecretFile();
  const work = makeTempDir('pull-request-per-image-cli');
  const image = (name: string, container: string) => deploymentImage(kube, 'my-demo', name, container);
  const logTail = () => controller?.process.logTail(60) ?? '';
  const openPulls = () => gitea.listPulls(REPO, 'open');
  const pullOf = async (branch: string) => (await openPulls()).find((p) => p.head.ref === branch);
  const statusEntries = async (): Promise<BranchPullRequestStatus[]> => {
    const { stdout } = await kube.kubectl([
      'get',
      'gitsync',
      REPO,
      '-n',
      'tagpilot-system',
      '-o',
      'jsonpath={.status.pullRequests}',
    ]);
    return stdout.trim() === '' ? [] : (JSON.parse(stdout) as BranchPullRequestStatus[]);
  };

  before(async () => {
    [kube, registry, gitea] = await Promise.all([startKube(), startRegistry(), startGitea()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('worker', '1.0.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git: gitea },
      {
        fixture: REPO,
        interval: '1h',
        automationInterval: '2s',
        automation: `push: {branch: "tagpilot/{{policy}}", pullRequest: {provider: gitea, secretRef: {name: gitea-token}}}`,
      },
    );
    await kube.kubectl([
      'create',
      'secret',
      'generic',
      'gitea-token',
      '-n',
      'tagpilot-system',
      `--from-literal=token=${gitea.token}`,
    ]);
    await kube.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: worker, namespace: tagpilot-system}
spec:
  image: ${registry.host}/worker
  interval: 2s
  policy: {semver: {range: ">=1.0.0"}}
`,
    });
    seeded = await gitea.branchHead(REPO, 'main');
    controller = await startController({ kubeconfig, args: [`--webhook-secret-file=${secret.path}`] });
    await gitea.addPushWebhook(REPO, `http://127.0.0.1:${controller.port}/hooks/git`, secret.secret);
    await waitFor(
      'both Deployments to be applied',
      async () =>
        (await image('fluxdemo', 'flask')) === `${registry.host}/flaskapp:develop-v1.8.0` &&
        (await image('worker', 'worker')) === `${registry.host}/worker:1.0.0`,
      { timeoutMs: 60_000, onTimeout: logTail },
    );
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), gitea?.stop()]);
    removeTempDir(secret.dir);
    removeTempDir(work);
  });

  it('a new tag of each image opens two pull requests, each diff only its own line', async () => {
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    await registry.push.pushImage('worker', '1.1.0', { created: '2026-02-01T00:00:00Z' });
    await waitFor('two pull requests', async () => (await openPulls()).length === 2, {
      timeoutMs: 90_000,
      onTimeout: logTail,
    });
    const flask = await pullOf(FLASK_BRANCH);
    const worker = await pullOf(WORKER_BRANCH);
    assert.ok(flask, 'a pull request from tagpilot/deployment-fluxdemo-flask');
    assert.ok(worker, 'a pull request from tagpilot/worker');
    assert.equal(flask.base.ref, 'main');
    assert.match(flask.title, /flaskapp:develop-v1\.9\.0/);
    assert.match(worker.title, /worker:1\.1\.0/);
    assert.deepEqual(changedLines(await gitea.pullDiff(REPO, flask.number)), [
      `-        image: ${registry.host}/flaskapp:develop-v1.8.0`,
      `+        image: ${registry.host}/flaskapp:develop-v1.9.0`,
    ]);
    assert.deepEqual(changedLines(await gitea.pullDiff(REPO, worker.number)), [
      `-        image: ${registry.host}/worker:1.0.0 # {"$imagepolicy": "tagpilot-system:worker"}`,
      `+        image: ${registry.host}/worker:1.1.0 # {"$imagepolicy": "tagpilot-system:worker"}`,
    ]);
    assert.equal(await gitea.branchHead(REPO, 'main'), seeded, 'the sync branch did not move');
    await waitFor('status.pullRequests to list both', async () => {
      const entries = await statusEntries();
      return entries.length === 2 && entries.every((e) => e.state === 'Open');
    });
    const entries = await statusEntries();
    assert.deepEqual(
      entries.map((e) => [e.branch, e.policy, e.number, e.url]),
      [
        [FLASK_BRANCH, 'deployment-fluxdemo-flask', flask.number, flask.html_url],
        [WORKER_BRANCH, 'worker', worker.number, worker.html_url],
      ],
    );
    await waitFor('a PullRequestOpened Event with each URL', async () => {
      const events = await eventLines(kube, 'tagpilot-system');
      return events.includes(flask.html_url) && events.includes(worker.html_url);
    });
    const status = await cli({ cacheHome: work, kubeconfig: kube.kubeconfigPath })([
      'status',
      `tagpilot-system/${REPO}`,
    ]);
    assert.match(status.stdout, new RegExp(`pull request #${flask.number} from ${FLASK_BRANCH} \\(`));
    assert.ok(status.stdout.includes(worker.html_url), status.stdout);
  });

  it('a newer flask tag updates only the flask pull request (same number, never a second one)', async () => {
    const flask = await pullOf(FLASK_BRANCH);
    const worker = await pullOf(WORKER_BRANCH);
    assert.ok(flask && worker);
    await registry.push.pushImage('flaskapp', 'develop-v1.10.0', { created: '2026-03-01T00:00:00Z' });
    await waitFor(
      'the flask pull request to carry develop-v1.10.0',
      async () => (await pullOf(FLASK_BRANCH))?.title.includes('develop-v1.10.0') === true,
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    const all = await gitea.listPulls(REPO, 'all');
    assert.deepEqual(all.map((p) => p.number).sort(), [flask.number, worker.number].sort());
    assert.deepEqual(changedLines(await gitea.pullDiff(REPO, flask.number)), [
      `-        image: ${registry.host}/flaskapp:develop-v1.8.0`,
      `+        image: ${registry.host}/flaskapp:develop-v1.10.0`,
    ]);
    assert.equal((await pullOf(WORKER_BRANCH))?.head.sha, worker.head.sha, 'the worker branch did not move');
    assert.equal(await gitea.branchHead(REPO, 'main'), seeded, 'the sync branch did not move');
    assert.equal(await image('fluxdemo', 'flask'), `${registry.host}/flaskapp:develop-v1.8.0`);
  });

  it('merging the worker pull request syncs the cluster and clears its status entry', async () => {
    const worker = await pullOf(WORKER_BRANCH);
    const flask = await pullOf(FLASK_BRANCH);
    assert.ok(worker && flask);
    await gitea.mergePull(REPO, worker.number);
    await waitFor(
      'the cluster to run worker:1.1.0',
      async () => (await image('worker', 'worker')) === `${registry.host}/worker:1.1.0`,
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    await waitFor(
      'status.pullRequests to hold only the flask entry',
      async () => {
        const entries = await statusEntries();
        return entries.length === 1 && entries[0]?.branch === FLASK_BRANCH;
      },
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    assert.equal(await image('fluxdemo', 'flask'), `${registry.host}/flaskapp:develop-v1.8.0`);
    const open = await openPulls();
    assert.deepEqual(
      open.map((p) => p.number),
      [flask.number],
      'the flask pull request stays open, and no new one',
    );
    // Rebuilt on the new main: its diff is again only the flask line (Gitea recomputes a pull
    // request's merge base in the background after a push, so its diff settles a moment later).
    const flaskOnly = [
      `-        image: ${registry.host}/flaskapp:develop-v1.8.0`,
      `+        image: ${registry.host}/flaskapp:develop-v1.10.0`,
    ];
    await waitFor(
      'the flask pull request diff to be only the flask line on the new main',
      async () =>
        JSON.stringify(changedLines(await gitea.pullDiff(REPO, flask.number))) === JSON.stringify(flaskOnly),
      { timeoutMs: 30_000, onTimeout: async () => (await gitea.pullDiff(REPO, flask.number)).slice(0, 2000) },
    );
    const rebuilt = await pullOf(FLASK_BRANCH);
    assert.equal(rebuilt?.number, flask.number);
    assert.notEqual(rebuilt?.head.sha, flask.head.sha, 'the flask branch was rebuilt on the new main');
  });
});

/** The removed and added lines of a unified diff (no file headers). */
function changedLines(diff: string): string[] {
  return diff.split('\n').filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line));
}
