// Sharding end to end (docs/sharding.md): two shards (`--shard-key shard1`, `shard2`) and the
// unsharded controller on one API server, three GitSyncs labelled shard1, shard2 and not at all.
// Each controller reconciles only its own GitSync; an ImagePolicy is scanned only by its owner,
// and its new latest image still reaches another shard's GitSync; killing shard1's leader moves
// shard1 to its standby while shard2's and the unsharded Lease keep their holders; relabelling a
// GitSync moves it to another shard. The unsharded controller checks for shards that no controller
// runs every second: neither the start of the shards nor the failover of shard1 is reported (both
// are shorter than its grace period).
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { createGitAuthSecret, deploymentImage, scaleAndAwaitRevert } from '../support/scenario.ts';

const root = join(import.meta.dirname, '..', '..');
const NAMESPACE = 'tagpilot-system';
/** GitSync (and repository) name -> its shard key (undefined: unlabelled, the unsharded controller's). */
const SHARDS: Record<string, string | undefined> = {
  shard1: 'shard1',
  shard2: 'shard2',
  unsharded: undefined,
};
const LEASES: Record<string, string> = {
  shard1: 'tagpilot-leader-shard1',
  shard2: 'tagpilot-leader-shard2',
  unsharded: 'tagpilot-leader',
};
// Short Lease timings, so that a standby takes over within seconds.
const LEASE_FLAGS = [
  '--leader-election-lease-duration=6s',
  '--leader-election-renew-deadline=4s',
  '--leader-election-retry-period=1s',
];

/** A ConfigMap in shard1's repository whose image line follows ImagePolicy markerapp (owned by shard2). */
const MARKER_FILE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: marker
  namespace: shard1-demo
data:
  image: REGISTRY_HOST/markerapp:1.0.0 # {"$imagepolicy": "${NAMESPACE}:markerapp"}
`;

describe('sharding by label end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let kubeconfig: string;
  let seedDir: string;
  const controllers = new Map<string, ControllerProcess>();

  const start = async (identity: string, shardKey: string | undefined) => {
    const args = [
      `--identity=${identity}`,
      ...LEASE_FLAGS,
      ...(shardKey ? [`--shard-key=${shardKey}`] : ['--unowned-check-period=1s', '--unowned-grace=20s']),
    ];
    const controller = await startController({ kubeconfig, name: identity, args });
    controllers.set(identity, controller);
    return controller;
  };
  const lease = async (name: string) => {
    const jsonpath = 'jsonpath={.spec.holderIdentity} {.spec.leaseTransitions}';
    const { stdout } = await kube.kubectl(['get', 'lease', name, '-n', NAMESPACE, '-o', jsonpath], {
      allowFailure: true,
    });
    const [holder = '', transitions = '0'] = stdout.split(' ');
    return { holder, transitions: Number(transitions) };
  };
  /** The GitSync keys named by the log lines of a controller (every reconcile logs with `gitsync`). */
  const gitSyncsIn = (identity: string) =>
    new Set(
      (controllers.get(identity)?.logs() ?? [])
        .map((line) => line.gitsync)
        .filter((key): key is string => typeof key === 'string'),
    );
  const metricsOf = async (identity: string) =>
    (await fetch(`http://127.0.0.1:${controllers.get(identity)?.port}/metrics`)).text();
  const flaskImage = (name: string) => deploymentImage(kube, `${name}-demo`, 'fluxdemo', 'flask');
  const autoReleases = async (name: string) =>
    (await git.gitIn(name, ['log', '--format=%s', 'main']))
      .split('\n')
      .filter((s) => s.startsWith('Auto-release'));

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await Promise.all([
      registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' }),
      registry.push.pushImage('markerapp', '1.0.0', { created: '2026-01-01T00:00:00Z' }),
    ]);
    // Three repositories from the flux-demo fixture, each applying into a namespace of its own.
    seedDir = makeTempDir('sharding-seed');
    for (const name of Object.keys(SHARDS)) {
      const dir = join(seedDir, name);
      cpSync(join(root, 'test', 'fixtures', 'flux-demo'), dir, { recursive: true });
      if (name === 'shard1') writeFileSync(join(dir, 'marker.yaml'), MARKER_FILE);
      await git.createRepo(name, {
        fromDir: dir,
        replace: { REGISTRY_HOST: registry.host, 'my-demo': `${name}-demo` },
      });
    }
    await kube.kubectl(['apply', '-k', join(root, 'deploy')]);
    await kube.kubectl(['apply', '-k', join(root, 'deploy', 'single-tenant')]);
    await kube.kubectl(['wait', '--for=condition=Established', 'crd/gitsyncs.tagpilot.io', '--timeout=60s']);
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/imagepolicies.tagpilot.io',
      '--timeout=60s',
    ]);
    await createGitAuthSecret(kube, git, 'git-auth', NAMESPACE);
    // shard1 automates only when woken (its interval is an hour): by a policy, or by a new leader.
    const documents = Object.entries(SHARDS).map(
      ([name, key]) => `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
  labels: {${key ? `sharding.tagpilot.io/key: ${key}` : ''}}
spec:
  url: ${git.repoUrl(name)}
  secretRef: {name: git-auth}
  interval: 1s
  automation: {interval: ${name === 'shard1' ? '1h' : '1s'}}
`,
    );
    documents.push(`apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata:
  name: markerapp
  namespace: ${NAMESPACE}
  labels: {sharding.tagpilot.io/key: shard2}
spec:
  image: ${registry.host}/markerapp
  interval: 1s
  policy: {semver: {range: ">=1.0.0"}}
`);
    await kube.kubectl(['apply', '-f', '-'], { input: documents.join('---\n') });
    kubeconfig = await kube.serviceAccountKubeconfig(NAMESPACE, 'tagpilot');
  });

  after(async () => {
    await Promise.allSettled([...controllers.values()].map((controller) => controller.stop()));
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    if (seedDir) removeTempDir(seedDir);
  });

  it('each controller reconciles only the GitSync of its shard, under a Lease of its own', async () => {
    await Promise.all([
      start('shard1-a', 'shard1'),
      start('shard2-a', 'shard2'),
      start('unsharded-a', undefined),
    ]);
    for (const name of Object.keys(SHARDS)) {
      await waitFor(`${name}'s Deployment`, async () => (await flaskImage(name)).endsWith('develop-v1.8.0'), {
        timeoutMs: 60_000,
        onTimeout: () => controllers.get(`${name}-a`)?.process.logTail(20) ?? '',
      });
    }
    for (const name of Object.keys(SHARDS)) {
      const { stdout } = await kube.kubectl([
        'get',
        'gitsync',
        name,
        '-n',
        NAMESPACE,
        '-o',
        'jsonpath={.status.lastSyncedCommit}',
      ]);
      assert.match(stdout, /^[0-9a-f]{40}$/, `${name}'s status is written`);
      assert.deepEqual(await lease(LEASES[name] ?? ''), { holder: `${name}-a`, transitions: 0 });
      assert.deepEqual(
        [...gitSyncsIn(`${name}-a`)],
        [`${NAMESPACE}/${name}`],
        `${name}-a reconciled only its own`,
      );
    }
    assert.match(await metricsOf('shard1-a'), /^tagpilot_leader\{shard="shard1"\} 1$/m);
    assert.match(await metricsOf('unsharded-a'), /^tagpilot_leader 1$/m);
  });

  it("an ImagePolicy is scanned only by its shard, and its new latest image wakes another shard's GitSync", async () => {
    const markerImage = async () =>
      (
        await kube.kubectl(
          ['get', 'configmap', 'marker', '-n', 'shard1-demo', '-o', 'jsonpath={.data.image}'],
          {
            allowFailure: true,
          },
        )
      ).stdout;
    await waitFor('the marker ConfigMap', async () => (await markerImage()).endsWith('markerapp:1.0.0'), {
      timeoutMs: 30_000,
    });
    await registry.push.pushImage('markerapp', '1.1.0', { created: '2026-02-01T00:00:00Z' });
    await waitFor(
      'shard1 to follow the policy of shard2',
      async () => (await markerImage()).endsWith(':1.1.0'),
      {
        timeoutMs: 30_000,
        onTimeout: () => controllers.get('shard1-a')?.process.logTail(20) ?? '',
      },
    );
    assert.deepEqual(await autoReleases('shard1'), [`Auto-release ${registry.host}/markerapp:1.1.0`]);
    const scannedBy = (identity: string) =>
      (controllers.get(identity)?.logs() ?? []).filter((line) => line.msg === 'new latest tag').length;
    assert.ok(scannedBy('shard2-a') >= 1, 'shard2 scans its policy');
    assert.equal(scannedBy('shard1-a'), 0);
    assert.equal(scannedBy('unsharded-a'), 0);
    assert.doesNotMatch(await metricsOf('shard1-a'), /tagpilot_reconciles_total\{kind="ImagePolicy"/);
    assert.doesNotMatch(await metricsOf('unsharded-a'), /tagpilot_reconciles_total\{kind="ImagePolicy"/);
    assert.match(
      await metricsOf('shard2-a'),
      /tagpilot_reconciles_total\{kind="ImagePolicy",result="\w+",shard="shard2"\}/,
    );
  });

  it("killing shard1's leader moves shard1 only", async () => {
    const standby = await start('shard1-b', 'shard1');
    const others = {
      shard2: await lease(LEASES.shard2 ?? ''),
      unsharded: await lease(LEASES.unsharded ?? ''),
    };
    // shard1 runs its automation only when it starts (an hour's interval): the new tag waits for
    // the new leader, while shard2 and the unsharded controller take it at once.
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-03-01T00:00:00Z' });
    for (const name of ['shard2', 'unsharded']) {
      await waitFor(`${name} to update`, async () => (await flaskImage(name)).endsWith('develop-v1.9.0'), {
        timeoutMs: 30_000,
      });
    }
    assert.ok((await flaskImage('shard1')).endsWith('develop-v1.8.0'));
    assert.deepEqual(
      standby
        .logs()
        .filter((line) =>
          ['synced', 'pushed automated commit', 'started leading'].includes(String(line.msg)),
        ),
      [],
      'the standby does nothing while shard1-a leads',
    );

    const leader = controllers.get('shard1-a');
    assert.ok(leader);
    const unownedChecks = () =>
      (controllers.get('unsharded-a')?.logs() ?? []).filter((line) => line.msg === 'unowned shard check done')
        .length;
    const checksBefore = unownedChecks();
    process.kill(-leader.process.pid, 'SIGKILL');
    const killed = Date.now();
    await waitFor(
      'shard1-b to lead shard1',
      async () => (await lease(LEASES.shard1 ?? '')).holder === 'shard1-b',
      {
        timeoutMs: 30_000,
      },
    );
    const tookOver = Date.now() - killed;
    assert.ok(unownedChecks() >= checksBefore + 3, 'the unsharded controller checked during the failover');
    const { stdout: shardEvents } = await kube.kubectl([
      'get',
      'events',
      '-n',
      NAMESPACE,
      '--field-selector=reason=ShardNotRunning',
      '-o',
      'name',
    ]);
    assert.equal(shardEvents, '', 'a failover shorter than the grace period is not reported');
    assert.doesNotMatch(await metricsOf('unsharded-a'), /^tagpilot_unowned_objects\{/m);
    await waitFor(
      'shard1 updated by its new leader',
      async () => (await flaskImage('shard1')).endsWith('develop-v1.9.0'),
      {
        timeoutMs: 30_000,
        onTimeout: () => standby.process.logTail(20),
      },
    );
    process.stdout.write(`# shard1-b took over ${tookOver} ms after shard1-a was killed (lease 6 s)\n`);
    assert.deepEqual(await lease(LEASES.shard2 ?? ''), others.shard2, "shard2's Lease is untouched");
    assert.deepEqual(
      await lease(LEASES.unsharded ?? ''),
      others.unsharded,
      'the unsharded Lease is untouched',
    );
    assert.deepEqual([...gitSyncsIn('shard1-b')], [`${NAMESPACE}/shard1`]);
    assert.ok(
      standby
        .logs()
        .some((line) => line.msg === 'pushed automated commit' && line.gitsync === `${NAMESPACE}/shard1`),
    );
    assert.deepEqual(
      (await autoReleases('shard1')).filter((subject) => subject.includes('flaskapp')),
      [`Auto-release ${registry.host}/flaskapp:develop-v1.9.0`],
    );
  });

  it('relabelling a GitSync moves it: the old shard lets go, the new one reconciles it and reverts its drift', async () => {
    const leader = controllers.get('shard1-b');
    const old = controllers.get('shard2-a');
    assert.ok(leader && old);
    const reverts = async (identity: string) =>
      [
        ...(await metricsOf(identity)).matchAll(
          /^tagpilot_drift_reverts_total\{kind="Deployment"[^}]*\} (\d+)$/gm,
        ),
      ]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    const oldReverts = await reverts('shard2-a');
    await kube.kubectl([
      'label',
      'gitsync',
      'shard2',
      '-n',
      NAMESPACE,
      'sharding.tagpilot.io/key=shard1',
      '--overwrite',
    ]);
    await waitFor(
      'shard2-a to let go',
      () => old.logs().some((line) => line.msg === 'stopped reconciling: deleted or moved to another shard'),
      { timeoutMs: 20_000, onTimeout: () => old.process.logTail(20) },
    );
    await waitFor(
      'shard1-b to sync the moved GitSync',
      () => leader.logs().some((line) => line.msg === 'synced' && line.gitsync === `${NAMESPACE}/shard2`),
      { timeoutMs: 30_000, onTimeout: () => leader.process.logTail(20) },
    );
    const revertIn = await scaleAndAwaitRevert(kube, {
      namespace: 'shard2-demo',
      name: 'fluxdemo',
      replicas: 3,
      expected: 1,
    });
    process.stdout.write(`# drift on the moved GitSync reverted by its new shard in ${revertIn} ms\n`);
    assert.ok((await reverts('shard1-b')) >= 1, 'the new owner reverted the drift');
    assert.equal(await reverts('shard2-a'), oldReverts, 'the old owner no longer watches its objects');
  });
});
