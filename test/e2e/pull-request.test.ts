// Pull requests on a real forge: the flux demo in a Gitea repository with
// `automation.push: {branch: tagpilot/flaskapp, pullRequest: {provider: gitea}}`. A new tag opens ONE
// pull request whose diff is the one image line; a newer tag updates the same pull request; nothing
// reaches the sync branch (nor the cluster) until a person merges it through Gitea's API, and the
// merge syncs the cluster through Gitea's real push webhook to /hooks/git: both intervals are 1h
// by then, so no poll explains it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../cli/run-cli.ts';
import { writeSecretFile } from '../server/flux-demo-helpers.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GiteaServer, startGitea } from '../support/gitea.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, eventLines, installScenario } from '../support/scenario.ts';

const REPO = 'flux-demo';
const BRANCH = 'tagpilot/flaskapp';

describe('pull requests on Gitea end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let gitea: GiteaServer;
  let controller: ControllerProcess | undefined;
  let seeded = '';
  const secret = writeSecretFile();
  const work = makeTempDir('pull-request-cli');
  const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
  const logTail = () => controller?.process.logTail(40) ?? '';
  const openPulls = () => gitea.listPulls(REPO, 'open');

  before(async () => {
    [kube, registry, gitea] = await Promise.all([startKube(), startRegistry(), startGitea()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git: gitea },
      {
        fixture: REPO,
        interval: '1h',
        automationInterval: '2s',
        automation: `push: {branch: ${BRANCH}, pullRequest: {provider: gitea, labels: [automation], secretRef: {name: gitea-token}}}`,
      },
    );
    await kube.kubectl(
      [
        'create',
        'secret',
        'generic',
        'gitea-token',
        '-n',
        'tagpilot-system',
        `--from-literal=token=${gitea.token}`,
      ],
      {},
    );
    await gitea.api('POST', `/repos/${gitea.username}/${REPO}/labels`, {
      name: 'automation',
      color: '#00aabb',
    });
    seeded = await gitea.branchHead(REPO, 'main');
    controller = await startController({ kubeconfig, args: [`--webhook-secret-file=${secret.path}`] });
    await gitea.addPushWebhook(REPO, `http://127.0.0.1:${controller.port}/hooks/git`, secret.secret);
    await waitFor(
      'fluxdemo to be applied',
      async () => (await flaskImage()) === `${registry.host}/flaskapp:develop-v1.8.0`,
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), gitea?.stop()]);
    removeTempDir(secret.dir);
    removeTempDir(work);
  });

  it('develop-v1.9.0 opens one pull request whose diff is the one image line', async () => {
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    await waitFor('a pull request', async () => (await openPulls()).length > 0, {
      timeoutMs: 60_000,
      onTimeout: logTail,
    });
    const pulls = await openPulls();
    assert.equal(pulls.length, 1);
    const [pull] = pulls;
    assert.ok(pull);
    assert.equal(pull.head.ref, BRANCH);
    assert.equal(pull.base.ref, 'main');
    assert.match(pull.title, /flaskapp:develop-v1\.9\.0/);
    assert.deepEqual(changedLines(await gitea.pullDiff(REPO, pull.number)), [
      `-        image: ${registry.host}/flaskapp:develop-v1.8.0`,
      `+        image: ${registry.host}/flaskapp:develop-v1.9.0`,
    ]);
    await waitFor('a PullRequestOpened Event with the URL', async () =>
      (await eventLines(kube, 'tagpilot-system')).includes(pull.html_url),
    );
    assert.match(await eventLines(kube, 'tagpilot-system'), /PullRequestOpened/);
    assert.equal(await gitea.branchHead(REPO, 'main'), seeded, 'the sync branch did not move');
    await waitFor('tagpilot status to link the pull request', async () => {
      const status = await cli({ cacheHome: work, kubeconfig: kube.kubeconfigPath })([
        'status',
        `tagpilot-system/${REPO}`,
      ]);
      return status.stdout.includes(`pull request #${pull.number} from ${BRANCH}: ${pull.html_url}`);
    });
  });

  it('develop-v1.10.0 updates the same pull request (still one)', async () => {
    const [before] = await openPulls();
    assert.ok(before);
    await registry.push.pushImage('flaskapp', 'develop-v1.10.0', { created: '2026-03-01T00:00:00Z' });
    await waitFor(
      'the pull request to carry develop-v1.10.0',
      async () => {
        const [pull] = await openPulls();
        return pull?.title.includes('develop-v1.10.0') === true;
      },
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    const all = await gitea.listPulls(REPO, 'all');
    assert.equal(all.length, 1, 'never a second pull request for the same branch');
    assert.equal(all[0]?.number, before.number);
    assert.deepEqual(changedLines(await gitea.pullDiff(REPO, before.number)), [
      `-        image: ${registry.host}/flaskapp:develop-v1.8.0`,
      `+        image: ${registry.host}/flaskapp:develop-v1.10.0`,
    ]);
    await waitFor('a PullRequestUpdated Event', async () =>
      (await eventLines(kube, 'tagpilot-system')).includes('PullRequestUpdated'),
    );
    assert.equal(await gitea.branchHead(REPO, 'main'), seeded, 'the sync branch did not move');
    assert.equal(
      await flaskImage(),
      `${registry.host}/flaskapp:develop-v1.8.0`,
      'the cluster still runs the old tag',
    );
  });

  it('merging it through Gitea syncs the cluster by the push webhook, with no poll due', async () => {
    // No automation run may fetch the merge either: its interval becomes 1h too, and the patch's
    // own reconcile is over before the merge.
    await kube.kubectl([
      'patch',
      'gitsync',
      REPO,
      '-n',
      'tagpilot-system',
      '--type=merge',
      '-p',
      '{"spec":{"automation":{"interval":"1h"}}}',
    ]);
    await waitFor('the GitSync to observe the patch', async () => {
      const { stdout } = await kube.kubectl([
        'get',
        'gitsync',
        REPO,
        '-n',
        'tagpilot-system',
        '-o',
        'jsonpath={.metadata.generation} {.status.observedGeneration}',
      ]);
      const [generation, observed] = stdout.split(' ');
      return generation === observed;
    });
    assert.equal(await flaskImage(), `${registry.host}/flaskapp:develop-v1.8.0`);
    const [pull] = await openPulls();
    assert.ok(pull);
    const hooksBefore = webhookDeliveries();
    await gitea.mergePull(REPO, pull.number);
    assert.notEqual(await gitea.branchHead(REPO, 'main'), seeded);
    await waitFor(
      'the cluster to run develop-v1.10.0',
      async () => (await flaskImage()) === `${registry.host}/flaskapp:develop-v1.10.0`,
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
    assert.ok(webhookDeliveries() > hooksBefore, 'a Gitea push webhook triggered the GitSync');
    assert.equal((await openPulls()).length, 0);
  });

  it('a newer tag after the merge opens a new pull request; the same update made on main by hand leaves it open and says so', async () => {
    const merged = (await gitea.listPulls(REPO, 'closed'))[0]?.number;
    await kube.kubectl([
      'patch',
      'gitsync',
      REPO,
      '-n',
      'tagpilot-system',
      '--type=merge',
      '-p',
      '{"spec":{"automation":{"interval":"2s"}}}',
    ]);
    await registry.push.pushImage('flaskapp', 'develop-v1.11.0', { created: '2026-04-01T00:00:00Z' });
    await waitFor(
      'a pull request for develop-v1.11.0',
      async () => (await openPulls())[0]?.title.includes('develop-v1.11.0') === true,
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
    const [pull] = await openPulls();
    assert.ok(pull);
    assert.notEqual(pull.number, merged);
    assert.equal((await openPulls()).length, 1);
    // A person makes the same change on main (Gitea's contents API: a commit by the admin).
    const path = `/repos/${gitea.username}/${REPO}/contents/deployment.yaml`;
    const file = await gitea.api<{ sha: string; content: string }>('GET', `${path}?ref=main`);
    const text = Buffer.from(file.content, 'base64')
      .toString('utf8')
      .replace('develop-v1.10.0', 'develop-v1.11.0');
    await gitea.api('PUT', path, {
      branch: 'main',
      sha: file.sha,
      message: 'Release develop-v1.11.0 by hand',
      content: Buffer.from(text).toString('base64'),
    });
    await waitFor(
      'a PullRequestNotNeeded Event',
      async () => (await eventLines(kube, 'tagpilot-system')).includes('PullRequestNotNeeded'),
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
    const still = await openPulls();
    assert.deepEqual(
      still.map((p) => p.number),
      [pull.number],
      'the pull request is left open',
    );
    await waitFor(
      'the cluster to run develop-v1.11.0',
      async () => (await flaskImage()) === `${registry.host}/flaskapp:develop-v1.11.0`,
      {
        timeoutMs: 60_000,
      },
    );
  });

  /** Gitea webhooks that triggered a GitSync, as the controller logged them so far. */
  function webhookDeliveries(): number {
    return (controller?.logs() ?? []).filter(
      (line) => line.msg === 'webhook triggered' && line.source === 'gitea',
    ).length;
  }
});

/** The removed and added lines of a unified diff (no file headers). */
function changedLines(diff: string): string[] {
  return diff.split('\n').filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line));
}
