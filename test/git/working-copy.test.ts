// The working copy in its cache directory: cloned once, fetched incrementally, reset to the remote
// head, and cleaned of anything a crashed run left behind.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitAndPush } from '../../controller/automation/index.ts';
import { openRepository } from '../../controller/git/index.ts';
import { FLUX_DEMO, flaskUpdate, type Harness, REGISTRY, startHarness } from './harness.ts';

function packs(dir: string): string[] {
  return readdirSync(join(dir, '.git', 'objects', 'pack')).filter((name) => name.endsWith('.pack'));
}

describe('working copy', () => {
  let h: Harness;
  let dir: string;
  let clone: string;
  before(async () => {
    h = await startHarness();
    await h.server.createRepo('demo', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    dir = h.cacheDir('demo');
    clone = await h.cliClone('demo');
  });
  after(() => h?.close());

  it('clones shallow: one commit, two requests', async () => {
    const before = h.server.requests();
    const repo = await h.open('demo', dir);
    assert.equal(h.server.requests() - before, 2, 'ref advertisement + one upload-pack');
    assert.equal((await h.git(['rev-list', '--count', 'HEAD'], dir)).trim(), '1');
    assert.ok(existsSync(join(dir, '.git', 'shallow')));
    assert.equal(packs(dir).length, 1);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
    assert.equal(repo.head().message, 'Initial commit');
  });

  it('reopens a warm cache with one request when nothing changed, and does not clone again', async () => {
    const packsBefore = packs(dir);
    const before = h.server.requests();
    const repo = await h.open('demo', dir);
    assert.equal(h.server.requests() - before, 1, 'only the ref advertisement');
    assert.deepEqual(packs(dir), packsBefore);
    assert.equal(repo.head().message, 'Initial commit');
  });

  it('fetches only what is new and resets the files to the new head', async () => {
    const repo = await h.open('demo', dir);
    const firstPack = packs(dir)[0];
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# tuned by someone else\n`, 'Tune nginx');
    const before = h.server.requests();
    const head = await repo.refresh();
    assert.equal(head.message, 'Tune nginx');
    assert.equal(
      h.server.requests() - before,
      3,
      'ref advertisement, then one fetch (advertisement + upload-pack)',
    );
    const now = packs(dir);
    assert.equal(now.length, 2, 'a second, small pack next to the first');
    assert.ok(firstPack !== undefined && now.includes(firstPack), 'the cloned pack is still there');
    assert.equal((await h.git(['rev-list', '--count', 'HEAD'], dir)).trim(), '2');
    assert.match(readFileSync(join(dir, 'configmap.yaml'), 'utf8'), /# tuned by someone else\n$/);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
    const { files } = await repo.readFiles();
    assert.match(files.find((f) => f.path === 'configmap.yaml')?.content ?? '', /tuned by someone else/);
  });

  it('removes leftovers of a crashed run before anything is read or committed', async () => {
    // What a crash could leave: an edited manifest, a stray manifest, a stray directory, a deleted
    // file, a changed mode, and a stale index.
    writeFileSync(join(dir, 'deployment.yaml'), 'kind: Deployment\nmetadata: {name: hacked}\n');
    writeFileSync(join(dir, 'stray.yaml'), 'kind: ConfigMap\n');
    mkdirSync(join(dir, 'leftover', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'leftover', 'deep', 'x.yml'), 'a: 1\n');
    rmSync(join(dir, 'namespace.yaml'));
    chmodSync(join(dir, 'configmap.yaml'), 0o755);
    rmSync(join(dir, '.git', 'index'));

    const repo = await h.open('demo', dir);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all', '--ignored'], dir), '');
    assert.ok(!existsSync(join(dir, 'stray.yaml')));
    assert.ok(!existsSync(join(dir, 'leftover')));
    const { files } = await repo.readFiles();
    assert.deepEqual(
      files.map((f) => f.path),
      ['configmap.yaml', 'deployment.yaml', 'namespace.yaml'],
    );

    const result = await commitAndPush({ repo, updates: [flaskUpdate('develop-v2.0.0')] });
    assert.ok(result.commit);
    const diff = await h.bare('demo', ['show', '--stat', '--format=', 'main']);
    assert.match(diff, /^ deployment\.yaml \| 2 \+-\n 1 file changed/);
  });

  it('re-clones a damaged object store (a pack cut short, then no objects at all)', async () => {
    const damaged = h.cacheDir('damaged');
    await h.open('demo', damaged);
    const [pack] = packs(damaged);
    assert.ok(pack);
    const packPath = join(damaged, '.git', 'objects', 'pack', pack);
    writeFileSync(packPath, readFileSync(packPath).subarray(0, 40));
    let repo = await h.open('demo', damaged);
    assert.equal(repo.head().oid, (await h.bare('demo', ['rev-parse', 'main'])).trim());
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], damaged), '');

    rmSync(join(damaged, '.git', 'objects'), { recursive: true });
    repo = await h.open('demo', damaged);
    assert.equal(repo.head().oid, (await h.bare('demo', ['rev-parse', 'main'])).trim());
    assert.equal((await repo.readFiles()).files.length, 3);
  });

  it('refuses a path outside the repository and reports a missing one', async () => {
    const repo = await h.open('demo', dir);
    await assert.rejects(repo.readFiles('../etc'), { code: 'UNSAFE_PATH' });
    await assert.rejects(repo.readFiles('apps'), { code: 'PATH_NOT_FOUND' });
    assert.equal((await repo.readFiles('./')).files.length, 3);
  });

  it('re-clones (shallow) once fetches have left more packs than maxPacks', async () => {
    const small = h.cacheDir('packs');
    const open = () =>
      openRepository({ dir: small, url: h.server.repoUrl('demo'), auth: h.auth, http: h.http, maxPacks: 1 });
    const repo = await open();
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# one\n`, 'One');
    await repo.refresh();
    assert.equal(packs(small).length, 2);
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# two\n`, 'Two');
    const head = await repo.refresh();
    assert.equal(head.message, 'Two');
    assert.equal(packs(small).length, 1);
    assert.equal((await h.git(['rev-list', '--count', 'HEAD'], small)).trim(), '1');
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], small), '');
  });

  it('re-clones a cache that belongs to another URL', async () => {
    await h.server.createRepo('other', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: 'other:5000' } });
    const other = await h.open('other', dir);
    assert.equal((await h.git(['remote', 'get-url', 'origin'], dir)).trim(), h.server.repoUrl('other'));
    const { files } = await other.readFiles();
    assert.match(files.find((f) => f.path === 'deployment.yaml')?.content ?? '', /other:5000\/flaskapp/);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
  });
});
