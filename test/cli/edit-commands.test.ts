// The commands that change workloads through Git, against the flux demo with the controller
// running: each makes one minimal-diff commit in the bare repository; a lock holds automation back,
// a release reaches the cluster, and what does not exist is a clear exit 2.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EditReport } from '../../controller/cli/commands/edit-workload.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { type CliResult, cli, json } from './run-cli.ts';

const WORKLOAD = '--workload=my-demo:deployment/fluxdemo';

describe('tagpilot automate, deautomate, lock, unlock, policy, release', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let cacheHome: string;
  let tagpilot: (args: string[]) => Promise<CliResult>;

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    controller = await startController({ kubeconfig });
    await waitFor('fluxdemo to be applied', async () => (await flaskImage()).endsWith(':develop-v1.8.0'), {
      timeoutMs: 60_000,
      onTimeout: () => controller?.process.logTail(30) ?? '',
    });
    cacheHome = makeTempDir('cli-edit');
    tagpilot = cli({ cacheHome, kubeconfig: kube.kubeconfigPath });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    if (cacheHome) removeTempDir(cacheHome);
  });

  async function flaskImage(): Promise<string> {
    const jsonpath = '{.spec.template.spec.containers[?(@.name=="flask")].image}';
    const args = ['get', 'deployment', 'fluxdemo', '-n', 'my-demo', '-o', `jsonpath=${jsonpath}`];
    return (await kube.kubectl(args, { allowFailure: true })).stdout;
  }

  const head = async () => (await git.gitIn('flux-demo', ['rev-parse', 'main'])).trim();

  /** Author, subject and the changed lines of the head commit. */
  async function lastCommit(): Promise<{ author: string; subject: string; changed: string[] }> {
    const show = await git.gitIn('flux-demo', ['show', '--format=%an <%ae>%n%s', '--unified=0', 'main']);
    const [author = '', subject = ''] = show.split('\n');
    return { author, subject, changed: show.split('\n').filter((line) => /^[-+](?![-+])/.test(line)) };
  }

  async function ok(args: string[]): Promise<CliResult> {
    const result = await tagpilot(args);
    assert.equal(result.code, 0, `${args.join(' ')}:\n${result.stderr}${result.stdout}`);
    return result;
  }

  it('--dry-run prints the diff and commits nothing; deautomate and automate commit one line each', async () => {
    const start = await head();
    const dry = await ok(['deautomate', WORKLOAD, '--dry-run']);
    assert.match(dry.stdout, /^--- a\/deployment\.yaml\n\+\+\+ b\/deployment\.yaml\n@@ -(\d+),7 \+\1,6 @@$/m);
    assert.match(dry.stdout, /^- {4}flux\.weave\.works\/automated: 'true'$/m);
    assert.match(dry.stderr, /dry run: nothing committed to main/);
    assert.equal(await head(), start);

    await ok([
      'deautomate',
      WORKLOAD,
      '--message=Stop automating fluxdemo',
      '--author=Jane Doe <jane@example.com>',
    ]);
    assert.deepEqual(await lastCommit(), {
      author: 'Jane Doe <jane@example.com>',
      subject: 'Stop automating fluxdemo',
      changed: ["-    flux.weave.works/automated: 'true'"],
    });

    const report = json<EditReport>(await ok(['automate', WORKLOAD, '-o', 'json']));
    assert.equal(report.commit, await head());
    assert.deepEqual(
      [report.changed, report.files, report.message],
      [true, ['deployment.yaml'], 'Automate my-demo:deployment/fluxdemo'],
    );
    const automated = await lastCommit();
    assert.equal(automated.author, 'tagpilot <tagpilot@users.noreply.local>');
    assert.deepEqual(automated.changed, ['+    flux.weave.works/automated: "true"']);

    const again = await ok(['automate', WORKLOAD]);
    assert.equal(again.stdout, 'my-demo:deployment/fluxdemo: nothing to change\n');
    assert.equal(await head(), report.commit);
  });

  it('lock: automation skips the workload although a newer tag exists', async () => {
    await ok(['lock', WORKLOAD, '--reason=hold for QA']);
    const locked = await head();
    assert.deepEqual((await lastCommit()).changed, [
      '+    flux.weave.works/locked: "true"',
      '+    flux.weave.works/locked_msg: hold for QA',
    ]);
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    await ok(['sync', 'flux-demo']);
    await waitFor(
      'automation to skip the locked workload',
      async () => {
        const events = await kube.kubectl([
          'get',
          'events',
          '-n',
          'tagpilot-system',
          '-o',
          'jsonpath={range .items[*]}{.message}{"\\n"}{end}',
        ]);
        return events.stdout.includes('container flask: Locked: workload is locked: hold for QA');
      },
      { timeoutMs: 30_000 },
    );
    // Automation runs every 2 s and the sync asked for a run now: a commit would come within 5 s.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      assert.equal(await head(), locked, 'no automated commit while locked');
      await sleep(500);
    }
    assert.ok((await flaskImage()).endsWith(':develop-v1.8.0'));
  });

  it('policy changes one annotation line; release commits the image and the cluster runs it; unlock', async () => {
    await ok(['policy', WORKLOAD, '--tag=flask=glob:develop-v1.*']);
    assert.deepEqual((await lastCommit()).changed, [
      '-    flux.weave.works/tag.flask: glob:develop-v*',
      '+    flux.weave.works/tag.flask: glob:develop-v1.*',
    ]);

    const image = `${registry.host}/flaskapp:develop-v1.9.0`;
    await ok(['release', WORKLOAD, `--update-image=${image}`, '--gitsync=tagpilot-system/flux-demo']);
    assert.deepEqual(await lastCommit(), {
      author: 'tagpilot <tagpilot@users.noreply.local>',
      subject: `Release ${image} to my-demo:deployment/fluxdemo`,
      changed: [`-        image: ${registry.host}/flaskapp:develop-v1.8.0`, `+        image: ${image}`],
    });
    await waitFor('the Deployment to run the released image', async () => (await flaskImage()) === image, {
      timeoutMs: 30_000,
      onTimeout: () => controller?.process.logTail(30) ?? '',
    });

    await ok(['unlock', WORKLOAD]);
    assert.deepEqual((await lastCommit()).changed, [
      '-    flux.weave.works/locked: "true"',
      '-    flux.weave.works/locked_msg: hold for QA',
    ]);
  });

  it('an unknown workload, GitSync, container or image is exit 2 with what exists', async () => {
    const start = await head();
    const cases: [string[], RegExp][] = [
      [
        ['automate', '--workload=my-demo:deployment/nope'],
        /no workload my-demo:deployment\/nope in any GitSync \(tagpilot-system\/flux-demo\) \(workloads: my-demo:deployment\/fluxdemo\)/,
      ],
      [
        ['lock', WORKLOAD, '--gitsync=tagpilot-system/nope'],
        /GitSync tagpilot-system\/nope not found \(GitSyncs: tagpilot-system\/flux-demo\)/,
      ],
      [['policy', WORKLOAD, '--tag=web=glob:*'], /has no container "web" \(containers: nginx, flask\)/],
      [
        ['release', WORKLOAD, '--update-image=ghcr.io/org/other:1.0'],
        /no container runs ghcr\.io\/org\/other \(containers: nginx \(nginx:1\.16-perl\), flask \(.*develop-v1\.9\.0\)\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await tagpilot(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.equal(await head(), start, 'nothing was committed');
  });
});
