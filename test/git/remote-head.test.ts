// Branches as servers have them: a bare repository whose HEAD names a branch that does not exist
// (`git init --bare` defaulting to `main` while the team pushes `master`) advertises no HEAD. The
// git CLI fetches a named branch from it without complaint; so must tagpilot (clone, incremental
// fetch, commit and push), while a branch that really is missing stays BRANCH_NOT_FOUND.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { commitAndPush } from '../../controller/automation/index.ts';
import { GitError, openRepository, type Repository } from '../../controller/git/index.ts';
import { FLUX_DEMO, flaskUpdate, type Harness, REGISTRY, startHarness } from './harness.ts';

describe('a remote whose HEAD names a missing branch', () => {
  let h: Harness;
  let repo: Repository;
  before(async () => {
    h = await startHarness();
    await h.server.createRepo('dangling', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    await h.bare('dangling', ['branch', '-m', 'main', 'master']);
    await h.bare('dangling', ['symbolic-ref', 'HEAD', 'refs/heads/main']);
  });
  after(() => h?.close());

  it('is what the git CLI calls a dangling HEAD', async () => {
    await assert.rejects(h.bare('dangling', ['rev-parse', '--verify', 'HEAD']));
    assert.match(await h.bare('dangling', ['rev-parse', 'master']), /^[0-9a-f]{40}/);
  });

  it('clones the named branch', async () => {
    repo = await h.open('dangling', h.cacheDir('dangling'), { branch: 'master' });
    assert.equal(repo.head().oid, (await h.bare('dangling', ['rev-parse', 'master'])).trim());
  });

  it('fetches new commits on it incrementally', async () => {
    const clone = h.cacheDir('cli');
    await h.git(['clone', '--quiet', '--branch', 'master', h.server.authedRepoUrl('dangling'), clone], '/');
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# pushed by the team\n`, 'Team change');
    const head = await repo.refresh();
    assert.equal(head.oid, (await h.bare('dangling', ['rev-parse', 'master'])).trim());
  });

  it('commits and pushes an image update to it', async () => {
    const result = await commitAndPush({ repo, updates: [flaskUpdate('develop-v1.9.0')] });
    assert.equal(result.commit, (await h.bare('dangling', ['rev-parse', 'master'])).trim());
    assert.deepEqual((await h.subjects('dangling', 'master')).slice(0, 2), [
      `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`,
      'Team change',
    ]);
    // The server's HEAD is left as it was.
    assert.equal((await h.bare('dangling', ['symbolic-ref', 'HEAD'])).trim(), 'refs/heads/main');
  });

  it('still reports the branch it names as missing', async () => {
    const error = await openRepository({
      dir: h.cacheDir('missing'),
      url: h.server.repoUrl('dangling'),
      auth: h.auth,
      http: h.http,
      branch: 'main',
    }).catch((e: unknown) => e);
    assert.ok(error instanceof GitError, String(error));
    assert.equal(error.code, 'BRANCH_NOT_FOUND');
    assert.match(error.message, /branch main does not exist/);
  });
});
