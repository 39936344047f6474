// The flux demo scenario against the real Git server: one image bump becomes one commit whose diff
// is exactly the image line, authored and worded as configured.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { commitAndPush } from '../../controller/automation/index.ts';
import type { Repository } from '../../controller/git/index.ts';
import { changedLines, FLUX_DEMO, flaskUpdate, type Harness, REGISTRY, startHarness } from './harness.ts';

describe('flux demo write-back', () => {
  let h: Harness;
  let repo: Repository;
  let dir: string;
  before(async () => {
    h = await startHarness();
    await h.server.createRepo('flux-demo', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    dir = h.cacheDir('flux-demo');
    repo = await h.open('flux-demo', dir);
  });
  after(() => h?.close());

  it('reads the manifests of the remote head', async () => {
    const seeded = (await h.bare('flux-demo', ['rev-parse', 'main'])).trim();
    assert.deepEqual(repo.head(), { oid: seeded, message: 'Initial commit' });
    const { files, problems } = await repo.readFiles();
    assert.deepEqual(problems, []);
    assert.deepEqual(
      files.map((file) => file.path),
      ['configmap.yaml', 'deployment.yaml', 'namespace.yaml'],
    );
    assert.match(files[1]?.content ?? '', /image: 127\.0\.0\.1:5000\/flaskapp:develop-v1\.8\.0\n/);
  });

  it('updates flask to develop-v1.9.0 in one commit that changes only the image line', async () => {
    const when = new Date('2026-03-01T12:00:00Z');
    const result = await commitAndPush({ repo, updates: [flaskUpdate('develop-v1.9.0')], now: () => when });

    const remoteHead = (await h.bare('flux-demo', ['rev-parse', 'main'])).trim();
    assert.equal(result.commit, remoteHead);
    assert.equal(result.pushed, true);
    assert.equal(result.branch, 'main');
    assert.equal(result.retries, 0);
    assert.equal(result.message, `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`);
    assert.deepEqual(
      result.changes.map((c) => [c.path, c.container, c.oldImage, c.newImage]),
      [
        [
          'deployment.yaml',
          'flask',
          `${REGISTRY}/flaskapp:develop-v1.8.0`,
          `${REGISTRY}/flaskapp:develop-v1.9.0`,
        ],
      ],
    );

    const log = await h.server.gitIn('flux-demo', ['log', '-p', '-1', 'main']);
    assert.match(log, /^Author: tagpilot <tagpilot@users\.noreply\.local>$/m);
    assert.match(log, /^ {4}Auto-release 127\.0\.0\.1:5000\/flaskapp:develop-v1\.9\.0$/m);
    assert.deepEqual(changedLines(log), [
      `-        image: ${REGISTRY}/flaskapp:develop-v1.8.0`,
      `+        image: ${REGISTRY}/flaskapp:develop-v1.9.0`,
    ]);
    const meta = await h.bare('flux-demo', ['log', '-1', '--format=%an|%ae|%cn|%ce|%at|%B', 'main']);
    assert.equal(
      meta,
      `tagpilot|tagpilot@users.noreply.local|tagpilot|tagpilot@users.noreply.local|${when.getTime() / 1000}|Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0\n\n`,
    );
    assert.deepEqual(await h.subjects('flux-demo'), [
      `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`,
      'Initial commit',
    ]);
  });

  it('leaves the working copy at the pushed commit with a clean git status', async () => {
    const head = (await h.git(['rev-parse', 'HEAD'], dir)).trim();
    assert.equal(head, repo.head().oid);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], dir), '');
    const { files } = await repo.readFiles();
    assert.match(files[1]?.content ?? '', /flaskapp:develop-v1\.9\.0/);
  });

  it('makes no commit and no request when the image is already there', async () => {
    const requests = h.server.requests();
    const result = await commitAndPush({ repo, updates: [flaskUpdate('develop-v1.9.0')] });
    assert.equal(result.commit, undefined);
    assert.equal(result.pushed, false);
    assert.deepEqual(result.changes, []);
    assert.equal(h.server.requests(), requests);
    assert.equal((await h.subjects('flux-demo')).length, 2);
  });

  it('uses the configured author and message template', async () => {
    const result = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.10.0')],
      author: { name: 'Release Bot', email: 'release-bot@example.test' },
      messageTemplate: '[skip ci] {{summary}}\n\n{{changes}}',
    });
    const meta = await h.bare('flux-demo', ['log', '-1', '--format=%an <%ae>|%cn <%ce>|%B', 'main']);
    assert.equal(
      meta,
      'Release Bot <release-bot@example.test>|Release Bot <release-bot@example.test>|' +
        `[skip ci] Auto-release ${REGISTRY}/flaskapp:develop-v1.10.0\n\n` +
        `- deployment.yaml: my-demo:deployment/fluxdemo flask: ${REGISTRY}/flaskapp:develop-v1.9.0 -> ${REGISTRY}/flaskapp:develop-v1.10.0\n\n`,
    );
    assert.equal(result.commit, (await h.bare('flux-demo', ['rev-parse', 'main'])).trim());
  });
});
