// A commit with more files than `readLimits.maxFiles` is counted from its tree and refused before
// any of its files is written to the working copy; a path under the limit in such a commit is read
// from the object store; the next commit under the limit is checked out in full again. Real Git
// server; the limit is small so the commits stay small.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRepository, ReadLimitError, type Repository } from '../../controller/git/index.ts';
import { FLUX_DEMO, type Harness, REGISTRY, startHarness } from './harness.ts';

const MAX_FILES = 10;

describe('working copy: a commit over the file limit', () => {
  let h: Harness;
  let dir: string;
  let clone: string;
  let repo: Repository;

  before(async () => {
    h = await startHarness();
    await h.server.createRepo('big', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    dir = h.cacheDir('big');
    clone = await h.cliClone('big');
    repo = await openRepository({
      dir,
      url: h.server.repoUrl('big'),
      auth: h.auth,
      http: h.http,
      readLimits: {
        maxFiles: MAX_FILES,
        maxFileBytes: 1 << 20,
        maxTotalBytes: 1 << 24,
        maxDocumentsPerFile: 100,
      },
    });
  });
  after(() => h?.close());

  async function commitFiles(files: Record<string, string>, message: string): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(clone, path)), { recursive: true });
      writeFileSync(join(clone, path), content);
    }
    await h.git(['add', '-A'], clone);
    await h.git(['commit', '--quiet', '-m', message], clone);
    await h.git(['push', '--quiet', 'origin', 'HEAD:main'], clone);
  }

  it('is refused by count, and none of its files is written out', async () => {
    const many: Record<string, string> = { 'apps/app.yaml': 'kind: ConfigMap\nmetadata: {name: app}\n' };
    for (let i = 0; i < 20; i++) many[`many/cm-${i}.yaml`] = `kind: ConfigMap\nmetadata: {name: cm-${i}}\n`;
    await commitFiles(many, 'twenty more files');
    await repo.refresh();
    await assert.rejects(repo.readFiles('.'), (error: unknown) => {
      assert.ok(error instanceof ReadLimitError);
      assert.equal(error.limit, 'files');
      assert.equal(error.actual, 24);
      return true;
    });
    assert.equal(existsSync(join(dir, 'many')), false, 'the files over the limit were written out');
    assert.equal(existsSync(join(dir, 'apps')), false);
    // The files of the earlier commit that this one keeps are still there.
    assert.ok(existsSync(join(dir, 'deployment.yaml')));
  });

  it('reads a path under the limit from the object store', async () => {
    const { files } = await repo.readFiles('apps');
    assert.deepEqual(files, [{ path: 'apps/app.yaml', content: 'kind: ConfigMap\nmetadata: {name: app}\n' }]);
    assert.equal(existsSync(join(dir, 'many')), false);
  });

  it('checks out the next commit under the limit in full, with a clean status', async () => {
    await h.git(['rm', '-r', '--quiet', 'many'], clone);
    await h.git(['commit', '--quiet', '-m', 'remove them'], clone);
    await h.git(['push', '--quiet', 'origin', 'HEAD:main'], clone);
    await repo.refresh();
    const { files } = await repo.readFiles('.');
    assert.deepEqual(
      files.map((f) => f.path),
      ['apps/app.yaml', 'configmap.yaml', 'deployment.yaml', 'namespace.yaml'],
    );
    assert.deepEqual(readdirSync(join(dir, 'apps')), ['app.yaml']);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
  });
});
