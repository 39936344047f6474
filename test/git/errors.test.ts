// Failures a user can cause or meet: wrong credentials, a missing branch, a server that is not
// there, a push the server refuses. Each is a typed GitError that names the URL but no secret, and
// leaves the cache so that the next run succeeds once the cause is fixed.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { commitAndPush } from '../../controller/automation/index.ts';
import {
  GitError,
  type GitErrorCode,
  type OpenRepositoryOptions,
  openRepository,
} from '../../controller/git/index.ts';
import { freePort } from '../support/processes.ts';
import { FLUX_DEMO, flaskUpdate, type Harness, REGISTRY, startHarness } from './harness.ts';

describe('errors', () => {
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await startHarness();
    await h.server.createRepo('flux-demo', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
  });
  after(() => h?.close());

  const fresh = () => h.cacheDir(`errors-${++n}`);
  const options = (dir: string, extra: Partial<OpenRepositoryOptions> = {}): OpenRepositoryOptions => ({
    dir,
    url: h.server.repoUrl('flux-demo'),
    auth: h.auth,
    http: h.http,
    ...extra,
  });

  /** Expects a GitError with `code` whose message names `url` and no secret; returns it. */
  async function expectGitError(
    promise: Promise<unknown>,
    code: GitErrorCode,
    url: string,
  ): Promise<GitError> {
    const error = await promise.then(
      () => assert.fail(`expected ${code}`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GitError, `not a GitError: ${inspect(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(error.message.includes(url), `${error.message} should name ${url}`);
    assert.equal(error.url, url);
    const everything = inspect(error, { depth: 10 });
    const basic = (password: string) => Buffer.from(`${h.server.username}:${password}`).toString('base64');
    const secrets = [
      h.server.password,
      'wrong-password-123',
      basic(h.server.password),
      basic('wrong-password-123'),
    ];
    for (const secret of secrets) {
      assert.ok(!everything.includes(secret), `the error shows ${secret}: ${everything}`);
    }
    return error;
  }

  /** Nothing of a failed clone remains: no `.git`, no temporary clone next to the cache dir. */
  function assertNoCloneLeft(dir: string): void {
    assert.ok(!existsSync(join(dir, '.git')), 'no .git left behind');
    const base = dir.split('/').pop() ?? '';
    const siblings = existsSync(dirname(dir)) ? readdirSync(dirname(dir)) : [];
    assert.deepEqual(
      siblings.filter((name) => name.startsWith(`${base}.clone-`)),
      [],
    );
  }

  it('wrong credentials on a cold cache: UNAUTHORIZED, nothing left, then the right ones work', async () => {
    const dir = fresh();
    const url = h.server.repoUrl('flux-demo');
    const bad = { username: h.server.username, password: 'wrong-password-123' };
    const error = await expectGitError(openRepository(options(dir, { auth: bad })), 'UNAUTHORIZED', url);
    assert.equal(error.retryable, false);
    assert.equal(error.operation, 'clone');
    assert.match(error.message, /authentication failed \(HTTP 401\)/);
    assertNoCloneLeft(dir);

    const repo = await openRepository(options(dir));
    assert.equal(repo.head().message, 'Initial commit');
  });

  it('credentials in the URL are used and never shown', async () => {
    const dir = fresh();
    const wrongUrl = h.server.authedRepoUrl('flux-demo').replace(h.server.password, 'wrong-password-123');
    await expectGitError(
      openRepository({ dir, url: wrongUrl, http: h.http }),
      'UNAUTHORIZED',
      h.server.repoUrl('flux-demo'),
    );
    const repo = await openRepository({ dir, url: h.server.authedRepoUrl('flux-demo'), http: h.http });
    assert.equal(repo.url, h.server.repoUrl('flux-demo'));
    const config = await h.git(['config', 'remote.origin.url'], dir);
    assert.equal(config.trim(), h.server.repoUrl('flux-demo'), 'no credentials stored in .git/config');
  });

  it('a token is sent as the password of x-access-token, or of a configured username', async () => {
    const dir = fresh();
    const url = h.server.repoUrl('flux-demo');
    await expectGitError(
      openRepository(options(dir, { auth: { token: h.server.password } })),
      'UNAUTHORIZED',
      url,
    );
    const repo = await openRepository(
      options(dir, { auth: { token: h.server.password, username: h.server.username } }),
    );
    assert.equal(repo.head().message, 'Initial commit');
  });

  it('credentials that stop working on a warm cache leave the working copy as it was', async () => {
    const dir = fresh();
    const repo = await openRepository(options(dir));
    const head = repo.head();
    const url = h.server.repoUrl('flux-demo');
    const bad = { username: h.server.username, password: 'wrong-password-123' };
    const error = await expectGitError(openRepository(options(dir, { auth: bad })), 'UNAUTHORIZED', url);
    assert.equal(error.operation, 'fetch');
    assert.equal((await h.git(['rev-parse', 'HEAD'], dir)).trim(), head.oid);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
    const again = await openRepository(options(dir));
    assert.deepEqual(again.head(), head);
  });

  it('a missing branch: BRANCH_NOT_FOUND naming the branch, then it works once the branch exists', async () => {
    const dir = fresh();
    const url = h.server.repoUrl('flux-demo');
    const error = await expectGitError(
      openRepository(options(dir, { branch: 'release' })),
      'BRANCH_NOT_FOUND',
      url,
    );
    assert.match(error.message, /branch release does not exist/);
    assert.equal(error.retryable, false);
    assertNoCloneLeft(dir);

    const clone = await h.cliClone('flux-demo');
    await h.git(['push', '--quiet', 'origin', 'HEAD:release'], clone);
    const repo = await openRepository(options(dir, { branch: 'release' }));
    assert.equal(repo.branch, 'release');
    assert.equal(repo.head().oid, (await h.bare('flux-demo', ['rev-parse', 'release'])).trim());

    // And on a warm cache, when the branch goes away again.
    await h.git(['push', '--quiet', 'origin', ':release'], clone);
    await expectGitError(repo.refresh(), 'BRANCH_NOT_FOUND', url);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
  });

  it('an unreachable server: UNREACHABLE and retryable, and the cache is usable afterwards', async () => {
    const dir = fresh();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/flux-demo.git`;
    const error = await expectGitError(openRepository(options(dir, { url })), 'UNREACHABLE', url);
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
    assertNoCloneLeft(dir);

    const repo = await openRepository(options(dir));
    assert.equal(repo.head().message, 'Initial commit');
  });

  it('a repository that does not exist: NOT_FOUND', async () => {
    const url = h.server.repoUrl('no-such-repo');
    await expectGitError(openRepository(options(fresh(), { url })), 'NOT_FOUND', url);
  });

  it('a URL that is neither http(s) nor SSH: INVALID_URL', async () => {
    const error = await openRepository(options(fresh(), { url: 'ftp://example.test/repo.git' })).catch(
      (e) => e,
    );
    assert.ok(error instanceof GitError);
    assert.equal(error.code, 'INVALID_URL');
  });

  it('an SSH URL with a password instead of a key: INVALID_IDENTITY, saying what is needed', async () => {
    const error = await openRepository(options(fresh(), { url: 'ssh://git@example.test/repo.git' })).catch(
      (e) => e,
    );
    assert.ok(error instanceof GitError);
    assert.equal(error.code, 'INVALID_IDENTITY');
    assert.match(error.message, /needs an SSH private key/);
    assert.ok(!error.message.includes(h.server.password));
  });

  it('a push the server refuses: PUSH_REJECTED, not retried, working copy still at the remote head', async () => {
    h.copyRepo('flux-demo', 'guarded');
    const hook = join(h.server.root, 'guarded.git', 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "main is protected" >&2\nexit 1\n', { mode: 0o755 });
    const dir = fresh();
    const repo = await openRepository(options(dir, { url: h.server.repoUrl('guarded') }));
    const head = repo.head();
    let attempts = 0;
    const error = await expectGitError(
      commitAndPush({
        repo,
        updates: [flaskUpdate('develop-v1.9.0')],
        beforePush: () => {
          attempts++;
        },
      }),
      'PUSH_REJECTED',
      h.server.repoUrl('guarded'),
    );
    assert.equal(attempts, 1);
    assert.equal(error.retryable, false);
    assert.match(error.message, /refused main: pre-receive hook declined/);
    assert.deepEqual(repo.head(), head);
    assert.equal((await h.git(['rev-parse', 'HEAD'], dir)).trim(), head.oid);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
    const { files } = await repo.readFiles();
    assert.match(files.find((f) => f.path === 'deployment.yaml')?.content ?? '', /develop-v1\.8\.0/);

    rmSync(hook);
    const result = await commitAndPush({ repo, updates: [flaskUpdate('develop-v1.9.0')] });
    assert.equal(result.pushed, true);
    assert.equal(result.commit, (await h.bare('guarded', ['rev-parse', 'main'])).trim());
  });
});
