// A Git push webhook (GitHub style, HMAC-signed) makes the controller sync at once though the
// GitSync polls every 10 minutes; requests without a valid signature change nothing.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, run, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { flaskImage, replicas, writeSecretFile } from './flux-demo-helpers.ts';

/** How long a refused hook is given to (wrongly) change the cluster. */
const NOTHING_HAPPENS_MS = 2500;

describe('git webhook: push to sync', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const secret = writeSecretFile();
  const work = makeTempDir('git-webhook-work');

  before(async () => {
    [kube, git, registry] = await Promise.all([startKube(), startGitServer(), startRegistry()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '10m' },
    );
    controller = await startController({ kubeconfig, args: [`--webhook-secret-file=${secret.path}`] });
    await waitFor(
      'fluxdemo to be applied',
      async () => (await flaskImage(kube)) === `${registry.host}/flaskapp:develop-v1.8.0`,
      { timeoutMs: 60_000, onTimeout: () => controller?.process.logTail(40) ?? '' },
    );
    await gitCli(['clone', '--quiet', git.authedRepoUrl('flux-demo'), 'repo'], work);
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    removeTempDir(secret.dir);
    removeTempDir(work);
  });

  function gitCli(args: string[], cwd: string) {
    const env = {
      ...process.env,
      HOME: work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.test',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.test',
    };
    return run('git', args, { cwd, env });
  }

  /** Commits `replicas: <n>` for fluxdemo and pushes it to the Git server. */
  async function pushReplicas(count: number): Promise<void> {
    const repo = join(work, 'repo');
    await gitCli(['pull', '--quiet', '--rebase'], repo);
    const file = join(repo, 'deployment.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}replicas: \d+$/m, `  replicas: ${count}`));
    await gitCli(['commit', '--quiet', '-am', `Scale fluxdemo to ${count}`], repo);
    await gitCli(['push', '--quiet', 'origin', 'main'], repo);
  }

  /** A GitHub push event for the flux-demo repository, as GitHub would send it. */
  function githubPush(): string {
    return JSON.stringify({
      ref: 'refs/heads/main',
      repository: {
        full_name: 'tests/flux-demo',
        clone_url: git.repoUrl('flux-demo'),
        html_url: git.repoUrl('flux-demo').replace(/\.git$/, ''),
      },
    });
  }

  function post(body: string, headers: Record<string, string>) {
    return fetch(`http://127.0.0.1:${controller?.port}/hooks/git`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', ...headers },
      body,
    });
  }

  const sign = (body: string, key = secret.secret) =>
    `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

  it('refuses a missing or wrong signature with 401, and the cluster does not change', async () => {
    await pushReplicas(2);
    const body = githubPush();
    const attempts: Record<string, string>[] = [
      {},
      { 'x-hub-signature-256': sign(body, 'not-the-secret') },
      { 'x-hub-signature-256': sign(`${body} `) },
      { authorization: 'Bearer not-the-secret' },
    ];
    for (const headers of attempts) {
      const response = await post(body, headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      await response.body?.cancel();
    }
    const deadline = Date.now() + NOTHING_HAPPENS_MS;
    while (Date.now() < deadline) {
      assert.equal(await replicas(kube), '1', 'a refused hook must not sync');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const refused = controller?.logs().filter((line) => line.msg === 'webhook refused') ?? [];
    assert.equal(refused.length, attempts.length);
  });

  it('refuses signed malformed JSON with 400', async () => {
    const body = '{"ref": "refs/heads/main", ';
    const response = await post(body, { 'x-hub-signature-256': sign(body) });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /not JSON/);
  });

  it('a signed push event syncs the new commit at once though the GitSync polls every 10m', async () => {
    const body = githubPush();
    const sent = Date.now();
    const response = await post(body, { 'x-hub-signature-256': sign(body) });
    assert.equal(response.status, 202);
    assert.deepEqual(await response.json(), {
      source: 'github',
      repositories: [`127.0.0.1:${new URL(git.url).port}/flux-demo`],
      branch: 'main',
      triggered: { imagePolicies: [], gitSyncs: ['tagpilot-system/flux-demo'] },
    });
    await waitFor('replicas 2 from Git', async () => (await replicas(kube)) === '2', {
      timeoutMs: 5000,
      intervalMs: 20,
      onTimeout: () => controller?.process.logTail(40) ?? '',
    });
    process.stdout.write(
      `# git push webhook -> cluster changed in ${Date.now() - sent} ms (GitSync interval 10m)\n`,
    );
  });
});
