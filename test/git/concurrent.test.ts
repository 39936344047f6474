// Pushing while someone else pushes to the same branch: never force, never lose their commit, and
// do not repeat a bump they already made.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { HttpClient } from 'isomorphic-git';
import { commitAndPush } from '../../controller/automation/index.ts';
import { GitError, openRepository, type Repository, retryDelayMs } from '../../controller/git/index.ts';
import { splitImageReference } from '../../controller/manifests/index.ts';
import { changedLines, FLUX_DEMO, flaskUpdate, type Harness, REGISTRY, startHarness } from './harness.ts';

const FLASK_LINE = /image: 127\.0\.0\.1:5000\/flaskapp:(\S+)/;

describe('concurrent pushes', () => {
  let h: Harness;
  let seq = 0;
  let name: string;
  let repo: Repository;
  let clone: string;
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
  };
  const random = () => 0.5;

  before(async () => {
    h = await startHarness();
    await h.server.createRepo('template', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
  });
  after(() => h?.close());
  beforeEach(async () => {
    name = `race-${++seq}`;
    slept.length = 0;
    h.copyRepo('template', name);
    repo = await h.open(name, h.cacheDir(name));
    clone = await h.cliClone(name);
  });

  const unrelated =
    (n = 1) =>
    (text: string) =>
      `${text}# unrelated change ${n}\n`;

  it('lands on top of a commit pushed after our fetch, keeping both', async () => {
    // Our working copy was fetched before the other client pushed: the first push is rejected.
    await h.cliPush(clone, 'configmap.yaml', unrelated(), 'Unrelated change');
    const result = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      sleep,
      backoff: { random },
    });
    assert.equal(result.retries, 1);
    assert.deepEqual(slept, [retryDelayMs(0, { random })]);
    assert.deepEqual(await h.subjects(name), [
      `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`,
      'Unrelated change',
      'Initial commit',
    ]);
    const parent = (await h.bare(name, ['rev-parse', 'main^'])).trim();
    const theirs = (await h.git(['rev-parse', 'HEAD'], clone)).trim();
    assert.equal(parent, theirs);
    assert.equal(result.commit, (await h.bare(name, ['rev-parse', 'main'])).trim());
    assert.deepEqual(changedLines(await h.bare(name, ['show', '--format=', 'main'])), [
      `-        image: ${REGISTRY}/flaskapp:develop-v1.8.0`,
      `+        image: ${REGISTRY}/flaskapp:develop-v1.9.0`,
    ]);
    const configmap = await h.bare(name, ['show', 'main:configmap.yaml']);
    assert.match(configmap, /# unrelated change 1\n$/);
    assert.equal(await h.git(['status', '--porcelain', '--untracked-files=all'], repo.dir), '');
  });

  it('retries when another client pushes between our commit and our push', async () => {
    let pushedByOther = 0;
    const result = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      sleep,
      backoff: { random },
      beforePush: async ({ attempt }) => {
        if (attempt > 0) return;
        pushedByOther++;
        await h.cliPush(clone, 'configmap.yaml', unrelated(), 'Unrelated change');
      },
    });
    assert.equal(pushedByOther, 1);
    assert.equal(result.retries, 1);
    assert.equal(result.pushed, true);
    assert.deepEqual(await h.subjects(name), [
      `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`,
      'Unrelated change',
      'Initial commit',
    ]);
    assert.equal(repo.head().oid, result.commit);
  });

  it('retries when another client pushes between the ref advertisement and our pack (server-side check)', async () => {
    // A transport that lets the other client push just before our receive-pack POST goes out, after
    // our push has seen the (then current) remote head.
    let raced = false;
    const racing: HttpClient = {
      async request(request) {
        if (!raced && request.method === 'POST' && request.url.endsWith('/git-receive-pack')) {
          raced = true;
          await h.cliPush(clone, 'configmap.yaml', unrelated(), 'Unrelated change');
        }
        return h.http.request(request);
      },
    };
    const racingRepo = await openRepository({
      dir: h.cacheDir(`${name}-racing`),
      url: h.server.repoUrl(name),
      auth: h.auth,
      http: racing,
    });
    const result = await commitAndPush({
      repo: racingRepo,
      updates: [flaskUpdate('develop-v1.9.0')],
      sleep,
      backoff: { random },
    });
    assert.ok(raced);
    assert.equal(result.retries, 1);
    assert.deepEqual(await h.subjects(name), [
      `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`,
      'Unrelated change',
      'Initial commit',
    ]);
  });

  it('makes no commit when the other client already made the same bump', async () => {
    await h.cliPush(
      clone,
      'deployment.yaml',
      (t) => t.replace('develop-v1.8.0', 'develop-v1.9.0'),
      'Manual bump',
    );
    const requests = h.server.requests();
    const result = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      sleep,
      backoff: { random },
    });
    assert.equal(result.commit, undefined);
    assert.equal(result.pushed, false);
    assert.equal(result.retries, 1);
    assert.deepEqual(result.changes, []);
    assert.deepEqual(await h.subjects(name), ['Manual bump', 'Initial commit']);
    // The push is refused after the ref advertisement (1 request: their head is unknown to us, so
    // it cannot be a fast-forward), then one refresh (advertisement + fetch = 3), and no second push.
    assert.equal(h.server.requests() - requests, 4);
    assert.equal(repo.head().message, 'Manual bump');
  });

  it('re-runs an update function on the new tree, so a newer bump by someone else is not downgraded', async () => {
    const seen: string[] = [];
    const decide = (files: readonly { path: string; content: string }[]) => {
      const current = files.find((f) => f.path === 'deployment.yaml')?.content.match(FLASK_LINE)?.[1] ?? '';
      seen.push(current);
      // The policy: only ever move forward to develop-v1.9.0 from something older.
      return current < 'develop-v1.9.0' ? [flaskUpdate('develop-v1.9.0')] : [];
    };
    const result = await commitAndPush({
      repo,
      updates: decide,
      sleep,
      backoff: { random },
      beforePush: async ({ attempt }) => {
        if (attempt === 0) {
          await h.cliPush(
            clone,
            'deployment.yaml',
            (t) => t.replace('develop-v1.8.0', 'develop-v1.95.0'),
            'Newer',
          );
        }
      },
    });
    assert.deepEqual(seen, ['develop-v1.8.0', 'develop-v1.95.0']);
    assert.equal(result.commit, undefined);
    assert.deepEqual(await h.subjects(name), ['Newer', 'Initial commit']);
    const image = (await h.bare(name, ['show', 'main:deployment.yaml'])).match(FLASK_LINE)?.[0] ?? '';
    assert.equal(splitImageReference(image.replace('image: ', '')).tag, 'develop-v1.95.0');
  });

  it('gives up after the configured retries with a retryable error, and the next run succeeds', async () => {
    let n = 0;
    const error = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      maxRetries: 2,
      sleep,
      backoff: { random },
      beforePush: () => h.cliPush(clone, 'configmap.yaml', unrelated(++n), `Unrelated ${n}`),
    }).then(
      () => assert.fail('expected CONFLICT_RETRIES_EXHAUSTED'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GitError);
    assert.equal(error.code, 'CONFLICT_RETRIES_EXHAUSTED');
    assert.equal(error.retryable, true);
    assert.match(
      error.message,
      new RegExp(
        `^push ${h.server.repoUrl(name).replaceAll('.', '\\.')}: main kept moving; gave up after 3 attempts`,
      ),
    );
    assert.deepEqual(slept, [retryDelayMs(0, { random }), retryDelayMs(1, { random })]);
    assert.deepEqual(await h.subjects(name), ['Unrelated 3', 'Unrelated 2', 'Unrelated 1', 'Initial commit']);

    await repo.refresh();
    const result = await commitAndPush({ repo, updates: [flaskUpdate('develop-v1.9.0')] });
    assert.equal(result.retries, 0);
    assert.equal((await h.subjects(name))[0], `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`);
  });

  it('force-updates a separate push branch, idempotently, and never touches the sync branch', async () => {
    const mainBefore = (await h.bare(name, ['rev-parse', 'main'])).trim();
    const first = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      pushBranch: 'tagpilot/updates',
    });
    assert.equal(first.branch, 'tagpilot/updates');
    assert.equal(first.pushed, true);
    assert.equal((await h.bare(name, ['rev-parse', 'main'])).trim(), mainBefore);
    assert.equal((await h.bare(name, ['rev-parse', 'tagpilot/updates'])).trim(), first.commit);
    assert.equal((await h.bare(name, ['rev-parse', 'tagpilot/updates^'])).trim(), mainBefore);
    assert.equal(repo.head().oid, mainBefore, 'the working copy stays on the sync branch');

    const again = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      pushBranch: 'tagpilot/updates',
    });
    assert.equal(again.pushed, false);
    assert.equal(again.commit, first.commit);

    // The sync branch moves on: the review branch is rebuilt on top of it (a force update).
    await h.cliPush(clone, 'configmap.yaml', unrelated(), 'Unrelated change');
    await repo.refresh();
    const third = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      pushBranch: 'tagpilot/updates',
    });
    assert.equal(third.pushed, true);
    assert.notEqual(third.commit, first.commit);
    assert.deepEqual(await h.subjects(name, 'tagpilot/updates'), [
      `Auto-release ${REGISTRY}/flaskapp:develop-v1.9.0`,
      'Unrelated change',
      'Initial commit',
    ]);
    assert.deepEqual(await h.subjects(name), ['Unrelated change', 'Initial commit']);
  });
});
