// Promise 1 ("nothing lost") for the review branch, on the real Git server: tagpilot rebuilds
// `automation.push.branch` only over its own commits; a commit someone else made on it survives every
// later automation run, and the sync branch is only ever fast-forwarded.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { commitAndPush } from '../../controller/automation/index.ts';
import { GitError, type Repository } from '../../controller/git/index.ts';
import { FLUX_DEMO, flaskUpdate, type Harness, REGISTRY, startHarness } from '../git/harness.ts';

const REVIEW = 'tagpilot/updates';
const release = (tag: string) => `Auto-release ${REGISTRY}/flaskapp:${tag}`;

describe('the review branch is not force-pushed over people', () => {
  let h: Harness;
  let seq = 0;
  let name: string;
  let repo: Repository;
  let clone: string;
  const sleep = async () => {};

  before(async () => {
    h = await startHarness();
    await h.server.createRepo('template', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
  });
  after(() => h?.close());
  beforeEach(async () => {
    name = `review-${++seq}`;
    h.copyRepo('template', name);
    repo = await h.open(name, h.cacheDir(name));
    clone = await h.cliClone(name);
  });

  const automate = (tag: string) =>
    commitAndPush({ repo, updates: [flaskUpdate(tag)], pushBranch: REVIEW, sleep });
  const rev = async (ref: string) => (await h.bare(name, ['rev-parse', ref])).trim();
  /** Someone checks out the review branch, edits a file, commits and pushes. */
  const humanCommit = async (file: string, message: string) => {
    await h.git(['fetch', '--quiet', 'origin'], clone);
    await h.git(['checkout', '--quiet', '-B', REVIEW, `origin/${REVIEW}`], clone);
    await h.cliPush(clone, file, (text) => `${text}# reviewed\n`, message);
    return (await h.git(['rev-parse', 'HEAD'], clone)).trim();
  };
  const isAncestor = async (ancestor: string, of: string) =>
    h.bare(name, ['merge-base', '--is-ancestor', ancestor, of]).then(
      () => true,
      () => false,
    );

  it('builds on top of a human commit instead of overwriting it, and keeps doing so', async () => {
    const mainBefore = await rev('main');
    const first = await automate('develop-v1.9.0');
    assert.equal(first.pushed, true);
    const human = await humanCommit('configmap.yaml', 'Review: tune nginx');

    const second = await automate('develop-v2.0.0');
    assert.equal(second.pushed, true);
    assert.ok(await isAncestor(human, REVIEW), 'the human commit must survive the next automation run');
    assert.deepEqual(await h.subjects(name, REVIEW), [
      release('develop-v2.0.0'),
      'Review: tune nginx',
      release('develop-v1.9.0'),
      'Initial commit',
    ]);

    // The sync branch moves on: the branch still holds someone else's commit, so it is not rebuilt.
    await h.git(['checkout', '--quiet', 'main'], clone);
    await h.git(['pull', '--quiet', '--ff-only', 'origin', 'main'], clone);
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# on main\n`, 'Change on main');
    await repo.refresh();
    const third = await automate('develop-v2.1.0');
    assert.equal(third.pushed, true);
    assert.ok(await isAncestor(human, REVIEW));
    assert.equal((await h.subjects(name, REVIEW))[0], release('develop-v2.1.0'));
    assert.deepEqual(await h.subjects(name), ['Change on main', 'Initial commit']);
    assert.ok(await isAncestor(mainBefore, 'main'), 'the sync branch only fast-forwards');

    // Nothing new: no commit on top.
    const again = await automate('develop-v2.1.0');
    assert.equal(again.pushed, false);
    assert.equal(again.commit, undefined);
  });

  it('rebuilds a branch that holds only its own commits, and marks them with a trailer', async () => {
    await automate('develop-v1.9.0');
    const body = await h.bare(name, ['log', '-1', '--format=%B', REVIEW]);
    assert.match(body, /\n\nTagpilot-Automation: true\n/);
    await h.git(['checkout', '--quiet', 'main'], clone);
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# on main\n`, 'Change on main');
    await repo.refresh();
    const rebuilt = await automate('develop-v1.9.0');
    assert.equal(rebuilt.pushed, true);
    assert.deepEqual(await h.subjects(name, REVIEW), [
      release('develop-v1.9.0'),
      'Change on main',
      'Initial commit',
    ]);
  });

  it('after a restart (a fresh shallow clone) still recognises a branch of its own commits on an older sync commit', async () => {
    await automate('develop-v1.9.0');
    await h.git(['checkout', '--quiet', 'main'], clone);
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# on main 1\n`, 'Change on main 1');
    await h.cliPush(clone, 'configmap.yaml', (text) => `${text}# on main 2\n`, 'Change on main 2');
    const restarted = await h.open(name, h.cacheDir(`${name}-restarted`));
    const rebuilt = await commitAndPush({
      repo: restarted,
      updates: [flaskUpdate('develop-v1.9.0')],
      pushBranch: REVIEW,
      sleep,
    });
    assert.equal(rebuilt.pushed, true);
    assert.deepEqual(await h.subjects(name, REVIEW), [
      release('develop-v1.9.0'),
      'Change on main 2',
      'Change on main 1',
      'Initial commit',
    ]);
  });

  it('counts a tagpilot commit that someone amended as theirs (git sets them as committer)', async () => {
    await automate('develop-v1.9.0');
    await h.git(['fetch', '--quiet', 'origin'], clone);
    await h.git(['checkout', '--quiet', '-B', REVIEW, `origin/${REVIEW}`], clone);
    await h.git(
      [
        'commit',
        '--quiet',
        '--amend',
        '-m',
        `${release('develop-v1.9.0')} (reviewed)\n\nTagpilot-Automation: true`,
      ],
      clone,
    );
    await h.git(['push', '--quiet', '--force', 'origin', REVIEW], clone);
    const amended = (await h.git(['rev-parse', 'HEAD'], clone)).trim();
    await automate('develop-v2.0.0');
    assert.ok(await isAncestor(amended, REVIEW));
    assert.equal((await h.subjects(name, REVIEW))[1], `${release('develop-v1.9.0')} (reviewed)`);
  });

  it('stops with REVIEW_BRANCH_DIVERGED and leaves the branch alone when the updates do not fit on top', async () => {
    await automate('develop-v1.9.0');
    await h.git(['fetch', '--quiet', 'origin'], clone);
    await h.git(['checkout', '--quiet', '-B', REVIEW, `origin/${REVIEW}`], clone);
    await h.git(['rm', '--quiet', 'deployment.yaml'], clone);
    await h.git(['commit', '--quiet', '-m', 'Review: drop the deployment'], clone);
    await h.git(['push', '--quiet', 'origin', REVIEW], clone);
    const theirs = (await h.git(['rev-parse', 'HEAD'], clone)).trim();
    const error = await automate('develop-v2.0.0').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof GitError, String(error));
    assert.equal(error.code, 'REVIEW_BRANCH_DIVERGED');
    assert.equal(await rev(REVIEW), theirs);
    assert.equal(repo.head().oid, await rev('main'), 'the working copy is back on the sync branch');
  });
});
