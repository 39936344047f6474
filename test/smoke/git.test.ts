// The real Git server from the test stack: git http-backend behind Basic auth.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { makeTempDir, removeTempDir, run } from '../support/processes.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'flux-demo');
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Smoke',
  GIT_AUTHOR_EMAIL: 'smoke@example.test',
  GIT_COMMITTER_NAME: 'Smoke',
  GIT_COMMITTER_EMAIL: 'smoke@example.test',
  GIT_TERMINAL_PROMPT: '0',
};

describe('git http-backend server', () => {
  let git: GitServer;
  let work: string;
  before(async () => {
    git = await startGitServer();
    work = makeTempDir('git-smoke');
    await git.createRepo('flux-demo', { fromDir: fixture, replace: { REGISTRY_HOST: '127.0.0.1:5000' } });
  });
  after(async () => {
    await git?.stop();
    if (work) removeTempDir(work);
  });

  it('clones the seeded flux demo over HTTP, commits, pushes, and the bare repo shows the commit', async () => {
    const clone = join(work, 'clone');
    await run('git', ['clone', '--quiet', git.authedRepoUrl('flux-demo'), clone], { env: gitEnv });
    const deployment = join(clone, 'deployment.yaml');
    const { stdout: before } = await run('git', ['show', 'HEAD:deployment.yaml'], {
      cwd: clone,
      env: gitEnv,
    });
    assert.match(before, /image: 127\.0\.0\.1:5000\/flaskapp:develop-v1\.8\.0/);
    writeFileSync(deployment, before.replace('develop-v1.8.0', 'develop-v1.9.0'));
    await run('git', ['commit', '--quiet', '-am', 'Bump flask'], { cwd: clone, env: gitEnv });
    await run('git', ['push', '--quiet', 'origin', 'main'], { cwd: clone, env: gitEnv });

    const log = await git.gitIn('flux-demo', ['log', '--format=%s', 'main']);
    assert.deepEqual(log.trim().split('\n'), ['Bump flask', 'Initial commit']);
  });

  it('refuses an anonymous push and a wrong password', async () => {
    const clone = join(work, 'clone');
    const anonymous = await run('git', ['push', git.repoUrl('flux-demo'), 'main'], {
      cwd: clone,
      env: gitEnv,
      allowFailure: true,
    });
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /401|Authentication failed|could not read Username/);
    const wrong = git.authedRepoUrl('flux-demo').replace(git.password, 'wrong');
    const badPassword = await run('git', ['ls-remote', wrong], { env: gitEnv, allowFailure: true });
    assert.notEqual(badPassword.code, 0);
  });
});
