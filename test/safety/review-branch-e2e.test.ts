// Promise 1 for the review branch, end to end: the controller writes its updates to
// `automation.push.branch`; a person commits on that branch; the next automation run builds on top
// of their commit instead of overwriting it, and the sync branch is never touched.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';

const REVIEW = 'tagpilot/updates';
const HUMAN_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Reviewer',
  GIT_AUTHOR_EMAIL: 'reviewer@example.test',
  GIT_COMMITTER_NAME: 'Reviewer',
  GIT_COMMITTER_EMAIL: 'reviewer@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** The git CLI as a person would run it (stdin closed). */
function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: HUMAN_ENV }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')}: ${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

describe('a human commit on the review branch survives the next automation run', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let gitServer: GitServer;
  let controller: ControllerProcess | undefined;
  const temp = makeTempDir('review-e2e');

  const subjects = async (branch: string) =>
    (await gitServer.gitIn('flux-demo', ['log', '--format=%s', branch]).catch(() => '')).trim().split('\n');

  before(async () => {
    [kube, registry, gitServer] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git: gitServer },
      { fixture: 'flux-demo', interval: '1s' },
    );
    await kube.kubectl([
      'patch',
      'gitsync',
      'flux-demo',
      '-n',
      'tagpilot-system',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { automation: { push: { branch: REVIEW } } } }),
    ]);
    controller = await startController({ kubeconfig, name: 'review-branch' });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), gitServer?.stop()]);
    removeTempDir(temp);
  });

  it('builds on top of the reviewer commit and never touches the sync branch', async () => {
    const release = (tag: string) => `Auto-release ${registry.host}/flaskapp:${tag}`;
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    await waitFor(
      'the update on the review branch',
      async () => (await subjects(REVIEW))[0] === release('develop-v1.9.0'),
      {
        timeoutMs: 60_000,
        onTimeout: () => controller?.process.logTail(20) ?? '',
      },
    );

    const clone = join(temp, 'reviewer');
    await git(['clone', '--quiet', '--branch', REVIEW, gitServer.authedRepoUrl('flux-demo'), clone], temp);
    await git(['rm', '--quiet', 'namespace.yaml'], clone);
    await git(['commit', '--quiet', '-m', 'Review: the namespace is managed elsewhere'], clone);
    await git(['push', '--quiet', 'origin', REVIEW], clone);
    const reviewer = (await git(['rev-parse', 'HEAD'], clone)).trim();

    await registry.push.pushImage('flaskapp', 'develop-v2.0.0', { created: '2026-03-01T00:00:00Z' });
    await waitFor(
      'the next update on the review branch',
      async () => (await subjects(REVIEW))[0] === release('develop-v2.0.0'),
      {
        timeoutMs: 60_000,
        onTimeout: () => controller?.process.logTail(20) ?? '',
      },
    );
    await gitServer.gitIn('flux-demo', ['merge-base', '--is-ancestor', reviewer, REVIEW]);
    assert.deepEqual(await subjects(REVIEW), [
      release('develop-v2.0.0'),
      'Review: the namespace is managed elsewhere',
      release('develop-v1.9.0'),
      'Initial commit',
    ]);
    assert.deepEqual(await subjects('main'), ['Initial commit'], 'the sync branch is never written');
  });
});
