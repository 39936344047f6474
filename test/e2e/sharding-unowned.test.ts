// Objects whose shard no controller runs (docs/sharding.md "Caveats") on the real stack: the
// unsharded controller, with a short check period and grace, reports a GitSync and an ImagePolicy
// labelled `sharding.tagpilot.io/key=nobody` (a Warning Event `ShardNotRunning` on each, once, and
// `tagpilot_unowned_objects` on /metrics) and a GitSync whose label is empty; a controller started
// with `--shard-key nobody` reconciles the GitSync and the gauge goes to 0; when that shard stops
// again, a new episode reports the objects again.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { createGitAuthSecret, gitSyncCondition } from '../support/scenario.ts';

const root = join(import.meta.dirname, '..', '..');
const NAMESPACE = 'tagpilot-system';
const LEASE_FLAGS = [
  '--leader-election-lease-duration=6s',
  '--leader-election-renew-deadline=4s',
  '--leader-election-retry-period=1s',
];
const CHECK_FLAGS = ['--unowned-check-period=1s', '--unowned-grace=3s'];
const UNOWNED_LOG = 'objects of a shard no controller runs are not reconciled';

interface EventView {
  reason: string;
  type: string;
  note: string;
  kind: string;
  name: string;
}

describe('objects of a shard that no controller runs', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let kubeconfig: string;
  let seedDir: string;
  const controllers = new Map<string, ControllerProcess>();

  const start = async (identity: string, extra: string[]) => {
    const args = [`--identity=${identity}`, ...LEASE_FLAGS, ...extra];
    const controller = await startController({ kubeconfig, name: identity, args });
    controllers.set(identity, controller);
    return controller;
  };
  const shardEvents = async (): Promise<EventView[]> => {
    const { stdout } = await kube.kubectl(['get', 'events.events.k8s.io', '-n', NAMESPACE, '-o', 'json']);
    const items = (
      JSON.parse(stdout) as {
        items: {
          reason?: string;
          type?: string;
          note?: string;
          regarding?: { kind?: string; name?: string };
        }[];
      }
    ).items;
    return items
      .filter((event) => event.reason === 'ShardNotRunning')
      .map((event) => ({
        reason: event.reason ?? '',
        type: event.type ?? '',
        note: event.note ?? '',
        kind: event.regarding?.kind ?? '',
        name: event.regarding?.name ?? '',
      }));
  };
  const eventsAbout = async (kind: string, name: string) =>
    (await shardEvents()).filter((event) => event.kind === kind && event.name === name);
  const gauge = async (identity: string, kind: string, shardKey: string) => {
    const text = await (await fetch(`http://127.0.0.1:${controllers.get(identity)?.port}/metrics`)).text();
    const line = new RegExp(
      `^tagpilot_unowned_objects\\{kind="${kind}",shard_key="${shardKey}"\\} (\\d+)$`,
      'm',
    );
    return Number(line.exec(text)?.[1] ?? 0);
  };
  const status = async (name: string) =>
    (await kube.kubectl(['get', 'gitsync', name, '-n', NAMESPACE, '-o', 'jsonpath={.status}'])).stdout;

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    seedDir = makeTempDir('unowned-seed');
    cpSync(join(root, 'test', 'fixtures', 'flux-demo'), seedDir, { recursive: true });
    await git.createRepo('nobody', {
      fromDir: seedDir,
      replace: { REGISTRY_HOST: registry.host, 'my-demo': 'nobody-demo' },
    });
    await kube.kubectl(['apply', '-k', join(root, 'deploy')]);
    await kube.kubectl(['apply', '-k', join(root, 'deploy', 'single-tenant')]);
    for (const crd of ['gitsyncs', 'imagepolicies']) {
      await kube.kubectl(['wait', '--for=condition=Established', `crd/${crd}.tagpilot.io`, '--timeout=60s']);
    }
    await createGitAuthSecret(kube, git, 'git-auth', NAMESPACE);
    const gitSync = (name: string, label: string) => `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
  labels: {sharding.tagpilot.io/key: ${label}}
spec:
  url: ${git.repoUrl('nobody')}
  secretRef: {name: git-auth}
  interval: 1s
  automation: {interval: 1h}
`;
    const documents = [
      gitSync('nobody', 'nobody'),
      gitSync('empty', '""'),
      `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata:
  name: nobodyapp
  namespace: ${NAMESPACE}
  labels: {sharding.tagpilot.io/key: nobody}
spec:
  image: ${registry.host}/flaskapp
  interval: 1h
  policy: {semver: {range: ">=1.0.0"}}
`,
    ];
    await kube.kubectl(['apply', '-f', '-'], { input: documents.join('---\n') });
    kubeconfig = await kube.serviceAccountKubeconfig(NAMESPACE, 'tagpilot');
  });

  after(async () => {
    await Promise.allSettled([...controllers.values()].map((controller) => controller.stop()));
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    if (seedDir) removeTempDir(seedDir);
  });

  it('the unsharded leader reports each object once, after the grace period, and writes no status', async () => {
    const startedAt = Date.now();
    const unsharded = await start('unsharded-a', CHECK_FLAGS);
    await waitFor(
      'a ShardNotRunning Event on GitSync nobody',
      async () => (await eventsAbout('GitSync', 'nobody')).length > 0,
      { timeoutMs: 30_000, onTimeout: () => unsharded.process.logTail(20) },
    );
    const reportedIn = Date.now() - startedAt;
    process.stdout.write(
      `# ShardNotRunning on GitSync nobody ${reportedIn} ms after the unsharded controller started (period 1 s, grace 3 s)\n`,
    );
    // The first check already saw the shard without a Lease; the report waits for the grace period.
    // (The empty key, which no failover can fix, is reported at that first check.)
    const logTime = (match: (line: Record<string, unknown>) => boolean) =>
      Date.parse(String(unsharded.logs().find(match)?.time));
    const firstCheck = logTime((line) => line.msg === 'unowned shard check done');
    const emptyReported = logTime((line) => line.msg === UNOWNED_LOG && line.shardKey === '');
    const waited = logTime((line) => line.msg === UNOWNED_LOG && line.shardKey === 'nobody') - firstCheck;
    assert.ok(emptyReported <= firstCheck, 'the empty key is reported at the first check');
    process.stdout.write(`# reported ${waited} ms after the first check that saw it (grace 3 s)\n`);
    assert.ok(waited >= 2900 && waited < 6000, `reported after the grace period, not before (${waited} ms)`);
    const [event] = await eventsAbout('GitSync', 'nobody');
    assert.equal(event?.type, 'Warning');
    assert.match(
      event?.note ?? '',
      /^no controller runs shard "nobody": Lease tagpilot-system\/tagpilot-leader-nobody does not exist; this GitSync is not reconciled\. Start a controller with --shard-key nobody or change the label sharding\.tagpilot\.io\/key$/,
    );
    await waitFor(
      'the gauge on /metrics',
      async () => (await gauge('unsharded-a', 'GitSync', 'nobody')) === 1,
      {
        timeoutMs: 10_000,
      },
    );
    assert.equal(await gauge('unsharded-a', 'ImagePolicy', 'nobody'), 1);
    assert.equal(await gauge('unsharded-a', 'GitSync', ''), 1);
    const [empty] = await eventsAbout('GitSync', 'empty');
    assert.match(
      empty?.note ?? '',
      /^no controller can own this GitSync: the label sharding\.tagpilot\.io\/key="" is empty/,
    );
    assert.equal((await eventsAbout('ImagePolicy', 'nobodyapp')).length, 1);

    // Several more checks: still one Event per object in this episode, one log line per shard.
    const checks = () => unsharded.logs().filter((line) => line.msg === 'unowned shard check done').length;
    const earlier = checks();
    await waitFor('three more checks', () => checks() >= earlier + 3, { timeoutMs: 15_000 });
    assert.equal((await eventsAbout('GitSync', 'nobody')).length, 1, 'one Event per object per episode');
    assert.equal((await eventsAbout('GitSync', 'empty')).length, 1);
    assert.equal(
      unsharded.logs().filter((line) => line.msg === UNOWNED_LOG && line.shardKey === 'nobody').length,
      1,
    );
    assert.equal(await status('nobody'), '', "the status of another shard's object is not written");
  });

  it('a controller for the shard reconciles the GitSync, and the gauge goes to 0', async () => {
    const shard = await start('nobody-a', ['--shard-key=nobody']);
    await waitFor(
      'GitSync nobody Ready',
      async () => (await gitSyncCondition(kube, 'nobody', 'Ready'))?.status === 'True',
      {
        timeoutMs: 60_000,
        onTimeout: () => shard.process.logTail(20),
      },
    );
    await waitFor(
      'the gauge to go to 0',
      async () => (await gauge('unsharded-a', 'GitSync', 'nobody')) === 0,
      {
        timeoutMs: 15_000,
        onTimeout: () => controllers.get('unsharded-a')?.process.logTail(20) ?? '',
      },
    );
    assert.equal(await gauge('unsharded-a', 'ImagePolicy', 'nobody'), 0);
    assert.equal(await gauge('unsharded-a', 'GitSync', ''), 1, 'the empty label still belongs to no one');
    assert.ok(
      controllers
        .get('unsharded-a')
        ?.logs()
        .some((line) => line.msg?.toString().startsWith('shard runs again') && line.shardKey === 'nobody'),
    );
    assert.equal((await eventsAbout('GitSync', 'nobody')).length, 1);
  });

  it('when the shard stops again, a new episode reports the objects again', async () => {
    await controllers.get('nobody-a')?.stop();
    controllers.delete('nobody-a');
    await waitFor(
      'a second ShardNotRunning Event on GitSync nobody',
      async () => (await eventsAbout('GitSync', 'nobody')).length === 2,
      {
        timeoutMs: 30_000,
        onTimeout: () => controllers.get('unsharded-a')?.process.logTail(20) ?? '',
      },
    );
    const notes = (await eventsAbout('GitSync', 'nobody')).map((event) => event.note);
    assert.ok(
      notes.some((note) =>
        /Lease tagpilot-system\/tagpilot-leader-nobody has no holder since \d{4}-/.test(note),
      ),
      notes.join('\n'),
    );
    await waitFor(
      'the gauge back at 1',
      async () => (await gauge('unsharded-a', 'GitSync', 'nobody')) === 1,
      {
        timeoutMs: 10_000,
      },
    );
  });
});
