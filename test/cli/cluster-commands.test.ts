// The read commands and the GitSync commands against the flux demo with every component real:
// list-workloads and list-images (repository + registry), then with the controller running:
// status (ready, not ready), sync/suspend/resume read back with kubectl.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkloadRow } from '../../controller/cli/commands/list-workloads.ts';
import type { StatusReport } from '../../controller/cli/commands/status.ts';
import type { ImageListing } from '../../controller/cli/image-listing.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { type CliResult, cli, json } from './run-cli.ts';

describe('tagpilot status, list-workloads, list-images, sync, suspend, resume', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let cacheHome: string;
  let tagpilot: (args: string[]) => Promise<CliResult>;
  let controllerKubeconfig: string;

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    ({ kubeconfig: controllerKubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo' },
    ));
    cacheHome = makeTempDir('cli-cluster');
    tagpilot = cli({ cacheHome, kubeconfig: kube.kubeconfigPath });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    if (cacheHome) removeTempDir(cacheHome);
  });

  const gitsyncField = async (name: string, jsonpath: string) =>
    (await kube.kubectl(['get', 'gitsync', name, '-n', 'tagpilot-system', '-o', `jsonpath=${jsonpath}`]))
      .stdout;

  it('list-workloads and list-images read the repository and the registry; the candidate is marked', async () => {
    const workloads = await tagpilot(['list-workloads', '-o', 'json']);
    assert.equal(workloads.code, 0, workloads.stderr);
    const rows = json<WorkloadRow[]>(workloads);
    assert.deepEqual(
      rows.map((r) => [r.gitsync, r.workload, r.container, r.image, r.automated, r.locked, r.filter]),
      [
        [
          'tagpilot-system/flux-demo',
          'my-demo:deployment/fluxdemo',
          'nginx',
          'nginx:1.16-perl',
          true,
          false,
          null,
        ],
        [
          'tagpilot-system/flux-demo',
          'my-demo:deployment/fluxdemo',
          'flask',
          `${registry.host}/flaskapp:develop-v1.8.0`,
          true,
          false,
          'glob:develop-v*',
        ],
      ],
    );

    const images = await tagpilot(['list-images', '--gitsync=tagpilot-system/flux-demo', '-o', 'json']);
    assert.equal(images.code, 0, images.stderr);
    const [nginx, flask] = json<ImageListing[]>(images);
    assert.equal(nginx?.tags.length, 0, 'a container without a filter is not scanned');
    assert.match(nginx?.message ?? '', /no tag filter/);
    assert.deepEqual(
      flask?.tags.map(({ verdict, ...tag }) => ({ ...tag, verdict: verdict.reason })),
      [
        {
          tag: 'develop-v1.9.0',
          created: '2026-02-01T00:00:00.000Z',
          current: false,
          candidate: true,
          verdict: 'Best',
        },
        {
          tag: 'develop-v1.8.0',
          created: '2026-01-01T00:00:00.000Z',
          current: true,
          candidate: false,
          verdict: 'Older',
        },
      ],
    );
    assert.deepEqual(
      [flask?.candidate, flask?.update, flask?.policy],
      ['develop-v1.9.0', true, 'glob:develop-v*'],
    );

    const table = await tagpilot(['list-images', '--workload=my-demo:deployment/fluxdemo', '--limit=1']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^my-demo:deployment\/fluxdemo +flask +\S+\/flaskapp +develop-v1\.9\.0 .*<- candidate/m,
    );
    assert.match(
      table.stdout,
      /^ +develop-v1\.8\.0 +2026-01-01T00:00:00\.000Z +<- current +ranks below "develop-v1\.9\.0"/m,
      '--limit keeps the current tag',
    );

    const unknown = await tagpilot(['list-images', '--workload=my-demo:deployment/nope']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /no workload my-demo:deployment\/nope in any GitSync \(tagpilot-system\/flux-demo\) \(workloads: my-demo:deployment\/fluxdemo\)/,
    );
  });

  it('status: the GitSync is Ready with the synced and automation commits (exit 0); -o json has the fields', async () => {
    controller = await startController({ kubeconfig: controllerKubeconfig });
    // The controller commits develop-v1.9.0 and syncs that commit at once.
    await waitFor(
      'the automated commit to be synced',
      async () => {
        const head = (await git.gitIn('flux-demo', ['rev-parse', 'main'])).trim();
        const [synced, automation] = (
          await gitsyncField('flux-demo', '{.status.lastSyncedCommit} {.status.lastAutomationCommit}')
        ).split(' ');
        return synced === head && automation === head;
      },
      { timeoutMs: 60_000, onTimeout: () => controller?.process.logTail(30) ?? '' },
    );
    const head = (await git.gitIn('flux-demo', ['rev-parse', 'main'])).trim();

    const table = await tagpilot(['status']);
    assert.equal(table.code, 0, table.stderr + table.stdout);
    assert.match(
      table.stdout,
      new RegExp(
        // SYNCED and HEALTHY are not pinned: the controller can briefly write status without them
        // (it merges conditions onto its informer cache, which may lag its own last write).
        `^tagpilot-system +flux-demo +True +\\S+ +\\S+ +- +- +${head.slice(0, 7)} +${head.slice(0, 7)} +main +${git.repoUrl('flux-demo')}$`,
        'm',
      ),
    );
    assert.match(table.stdout, /^1 GitSync: 1 ready, 0 not ready$/m);

    const report = json<StatusReport>(
      await tagpilot(['status', 'flux-demo', '-n', 'tagpilot-system', '-o', 'json']),
    );
    const [view] = report.gitsyncs;
    assert.deepEqual(report.summary, { total: 1, ready: 1, notReady: 0 });
    assert.equal(view?.url, git.repoUrl('flux-demo'));
    assert.equal(view?.branch, 'main');
    assert.equal(view?.lastSyncedCommit, head);
    assert.equal(view?.lastAutomationCommit, head);
    assert.deepEqual(view?.conditions.Ready && [view.conditions.Ready.status, view.conditions.Ready.reason], [
      'True',
      'Succeeded',
    ]);
    assert.equal(view?.conditions.Ready?.message, `synced commit ${head.slice(0, 7)}`);
    assert.match(view?.conditions.Ready?.lastTransitionTime ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(view?.automatedWorkloads, 1);
  });

  it('status: a GitSync pointing at a wrong URL makes the verdict "not ready" with the reason (exit 1)', async () => {
    await kube.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: broken, namespace: tagpilot-system}
spec:
  url: ${git.repoUrl('missing')}
  secretRef: {name: flux-demo-git-auth}
  interval: 2s
`,
    });
    await waitFor(
      'broken to be reported',
      async () =>
        (await gitsyncField('broken', '{.status.conditions[?(@.type=="Ready")].reason}')) === 'FetchFailed',
      {
        timeoutMs: 30_000,
      },
    );
    const table = await tagpilot(['status']);
    assert.equal(table.code, 1);
    assert.match(table.stdout, /^tagpilot-system +broken +False +- +- +- +- +- +- +main /m);
    assert.match(
      table.stdout,
      /^2 GitSyncs: 1 ready, 1 not ready \(tagpilot-system\/broken: FetchFailed: .*missing\.git.*\)$/m,
    );

    const one = await tagpilot(['status', 'broken', '-o', 'json']);
    assert.equal(one.code, 1);
    const [view] = json<StatusReport>(one).gitsyncs;
    assert.equal(view?.ready, false);
    assert.match(view?.problem ?? '', /^FetchFailed: /);

    // Listing across GitSyncs still shows the good one, reports the bad one, and exits 3.
    const workloads = await tagpilot(['list-workloads', '-o', 'json']);
    assert.equal(workloads.code, 3);
    assert.match(
      workloads.stderr,
      /^tagpilot list-workloads: gitsync tagpilot-system\/broken: Git NOT_FOUND: /m,
    );
    assert.equal(json<WorkloadRow[]>(workloads).length, 2);
  });

  it('sync sets the reconcile-at annotation; suspend and resume set spec.suspend', async () => {
    const before = Date.now();
    const sync = await tagpilot(['sync', 'flux-demo']);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(
      sync.stdout,
      /^gitsync tagpilot-system\/flux-demo: sync requested \(tagpilot\.io\/reconcile-at=/,
    );
    const at = Date.parse(
      await gitsyncField('flux-demo', '{.metadata.annotations.tagpilot\\.io/reconcile-at}'),
    );
    assert.ok(at >= before - 1000 && at <= Date.now(), `reconcile-at ${at} is now`);

    const all = await tagpilot(['sync', '-n', 'tagpilot-system', '-o', 'json']);
    assert.deepEqual(
      json<{ gitsync: string }[]>(all).map((r) => r.gitsync),
      ['tagpilot-system/broken', 'tagpilot-system/flux-demo'],
    );

    assert.equal((await tagpilot(['suspend', 'flux-demo'])).code, 0);
    assert.equal(await gitsyncField('flux-demo', '{.spec.suspend}'), 'true');
    const suspended = await tagpilot(['status', 'tagpilot-system/flux-demo']);
    assert.equal(suspended.code, 1);
    assert.match(
      suspended.stdout,
      /not ready \(tagpilot-system\/flux-demo: Suspended: spec\.suspend is true\)/,
    );

    const resumed = await tagpilot(['resume', 'tagpilot-system/flux-demo', '-o', 'yaml']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stdout, 'gitsync: tagpilot-system/flux-demo\naction: resume\nsuspend: false\n');
    assert.equal(await gitsyncField('flux-demo', '{.spec.suspend}'), 'false');

    const unknown = await tagpilot(['suspend', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /GitSync "nope" not found \(GitSyncs: tagpilot-system\/broken, tagpilot-system\/flux-demo\)/,
    );
  });
});
