// `automation.push.branch: "tagpilot/{{policy}}"` on the real Git server: runAutomation pushes each
// image's update to its own branch, built on the sync head with only that image's line; a run with
// nothing new pushes nothing; a newer tag moves only its own branch; a branch that would be the sync
// branch is refused for that image alone; a template git cannot use fails before any push.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { GitSync, ImagePolicy } from '../../controller/api/types.ts';
import type { ImageScanner } from '../../controller/automation/index.ts';
import { runAutomation } from '../../controller/automation/run-automation.ts';
import type { Repository } from '../../controller/git/index.ts';
import { changedLines, type Harness, REGISTRY, startHarness } from './harness.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'per-image-markers');

const policy = (namespace: string, name: string, latestTag: string): ImagePolicy => ({
  apiVersion: 'tagpilot.io/v1alpha1',
  kind: 'ImagePolicy',
  metadata: { namespace, name },
  spec: { image: `${REGISTRY}/${name}`, policy: { semver: { range: '>=1.0.0' } } },
  status: { latestTag },
});

const gitsync = (branch: string): GitSync => ({
  apiVersion: 'tagpilot.io/v1alpha1',
  kind: 'GitSync',
  metadata: { name: 'config', namespace: 'apps' },
  spec: { url: 'http://git.test/config.git', automation: { push: { branch } } },
});

describe('one branch per image ({{policy}})', () => {
  let h: Harness;
  let seq = 0;
  let name: string;
  let repo: Repository;

  before(async () => {
    h = await startHarness();
    await h.server.createRepo('template', { fromDir: FIXTURE, replace: { REGISTRY_HOST: REGISTRY } });
  });
  after(() => h?.close());
  beforeEach(async () => {
    name = `per-image-${++seq}`;
    h.copyRepo('template', name);
    repo = await h.open(name, h.cacheDir(name));
  });

  const automate = async (branch: string, policies: ImagePolicy[]) =>
    runAutomation({
      gitsync: gitsync(branch),
      repo,
      files: (await repo.readFiles('.')).files,
      policies,
      // Markers need no registry: the ImagePolicies' status says the tag.
      scanners: () =>
        new Proxy({} as ImageScanner, {
          get: () => () => assert.fail('no registry scan expected for markers'),
        }),
      readPullSecrets: async () => ({ ok: true, credentials: undefined }),
    });
  const rev = async (ref: string) => (await h.bare(name, ['rev-parse', ref])).trim();
  const diff = async (branch: string) => changedLines(await h.bare(name, ['diff', 'main', branch]));

  it('each image on its own branch with only its own line; nothing new, nothing pushed; a newer tag moves only its branch', async () => {
    const main = await rev('main');
    const policies = [policy('apps', 'worker', '1.1.0'), policy('other', 'api', '1.2.0')];
    const run = await automate('tagpilot/{{policy}}', policies);
    assert.equal(run.push, undefined);
    assert.deepEqual(
      run.branches?.map((b) => [b.branch, b.policy, b.image, 'push' in b && b.push.pushed]),
      [
        ['tagpilot/other-api', 'other-api', `${REGISTRY}/api:1.2.0`, true],
        ['tagpilot/worker', 'worker', `${REGISTRY}/worker:1.1.0`, true],
      ],
    );
    assert.deepEqual(await diff('tagpilot/worker'), [
      `-  worker: ${REGISTRY}/worker:1.0.0 # {"$imagepolicy": "apps:worker"}`,
      `+  worker: ${REGISTRY}/worker:1.1.0 # {"$imagepolicy": "apps:worker"}`,
    ]);
    assert.deepEqual(await diff('tagpilot/other-api'), [
      `-  api: ${REGISTRY}/api:1.0.0 # {"$imagepolicy": "other:api"}`,
      `+  api: ${REGISTRY}/api:1.2.0 # {"$imagepolicy": "other:api"}`,
    ]);
    assert.equal(await rev('main'), main, 'the sync branch is never written');
    assert.equal(await rev('tagpilot/worker^'), main, 'built on the sync head');

    const again = await automate('tagpilot/{{policy}}', policies);
    assert.deepEqual(
      again.branches?.map((b) => 'push' in b && b.push.pushed),
      [false, false],
      'nothing new: nothing pushed',
    );

    const api = await rev('tagpilot/other-api');
    const newer = await automate('tagpilot/{{policy}}', [
      policy('apps', 'worker', '1.3.0'),
      policies[1] as ImagePolicy,
    ]);
    assert.deepEqual(
      newer.branches?.map((b) => [b.branch, 'push' in b && b.push.pushed]),
      [
        ['tagpilot/other-api', false],
        ['tagpilot/worker', true],
      ],
    );
    assert.equal(await rev('tagpilot/other-api'), api, 'the other image’s branch did not move');
    assert.match((await diff('tagpilot/worker')).join('\n'), /worker:1\.3\.0/);
    assert.equal(await rev('main'), main);
  });

  it('a branch that would be the sync branch is refused for that image only', async () => {
    const main = await rev('main');
    const run = await automate('{{policy}}', [
      policy('apps', 'main', '2.0.0'),
      policy('apps', 'worker', '1.1.0'),
    ]);
    const refused = run.branches?.find((b) => b.branch === 'main');
    assert.ok(refused && 'error' in refused);
    assert.match(refused.error, /main is the sync branch; nothing was pushed for main/);
    const worker = run.branches?.find((b) => b.branch === 'worker');
    assert.ok(worker && 'push' in worker && worker.push.pushed);
    assert.equal(await rev('main'), main, 'the sync branch is never written');
  });

  it('a template git cannot use fails before anything is pushed', async () => {
    await assert.rejects(automate('tag pilot/{{policy}}', [policy('apps', 'worker', '1.1.0')]), {
      code: 'INVALID_BRANCH_TEMPLATE',
      message:
        /automation\.push\.branch "tag pilot\/\{\{policy\}\}": it does not make a valid branch name: it contains " "/,
    });
    const branches = await h.bare(name, ['branch', '--list']);
    assert.doesNotMatch(branches, /worker/);
  });
});
