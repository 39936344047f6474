// Promise 1, "a leader that loses its Lease stops writing before a standby starts", with two
// controller processes against the real kube-apiserver, registry and Git server. The leader is
// frozen (SIGSTOP: a long GC pause, a stalled VM, a cut network, as the leader sees it) while the
// world changes under it: someone scales the Deployment, a new tag is pushed. The standby takes over
// after the Lease's duration and does the work; then the old leader is thawed, with a drift event
// and its timers waiting for it. The API server's audit log, which names the user of every write,
// proves it: the old leader makes no write after its Lease ran out, the standby's first write comes
// after the old leader's last, and the update is committed exactly once. A second case takes away
// a busy, healthy leader's right to renew (RBAC): it stops writing on its own at the renew deadline.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { replicas } from '../server/flux-demo-helpers.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type AuditEvent, type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, installScenario } from '../support/scenario.ts';

const NS = 'tagpilot-system';
const LEASE_SECONDS = 15;
const userOf = (replica: string) => `system:serviceaccount:${NS}:${replica}`;
const time = (stamp: string) => Date.parse(stamp);

/** Writes that changed something: answered below 400, and not dry runs. */
function persisted(events: AuditEvent[], replica: string): AuditEvent[] {
  return events.filter(
    (event) =>
      event.user.username === userOf(replica) &&
      (event.responseStatus?.code ?? 500) < 400 &&
      !/[?&]dryRun=/.test(event.requestURI),
  );
}

const isLeaseWrite = (event: AuditEvent) => event.objectRef?.resource === 'leases';
const RENEW_DEADLINE_MS = 10_000;
const describeWrite = (event: AuditEvent) =>
  `${event.requestReceivedTimestamp} ${event.verb} ${event.objectRef?.resource ?? ''} ${event.objectRef?.namespace ?? ''}/${event.objectRef?.name ?? ''}`;

describe('a leader that loses its Lease stops writing before the standby starts', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  const running: ControllerProcess[] = [];

  const holder = async () =>
    (
      await kube.kubectl(
        ['get', 'lease', 'tagpilot-leader', '-n', NS, '-o', 'jsonpath={.spec.holderIdentity}'],
        {
          allowFailure: true,
        },
      )
    ).stdout;
  const start = async (identity: string) => {
    const kubeconfig = await kube.serviceAccountKubeconfig(NS, identity);
    const replica = await startController({ kubeconfig, name: identity, args: [`--identity=${identity}`] });
    running.push(replica);
    return replica;
  };

  before(async () => {
    [kube, registry, git] = await Promise.all([
      startKube({ audit: true }),
      startRegistry(),
      startGitServer(),
    ]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    await installScenario({ kube, registry, git }, { fixture: 'flux-demo', interval: '1s' });
    // Two replicas with their own users, so that the audit log tells their writes apart.
    for (const name of ['replica-a', 'replica-b'])
      await kube.kubectl(['create', 'serviceaccount', name, '-n', NS]);
    await kube.kubectl([
      'create',
      'clusterrolebinding',
      'tagpilot-replicas',
      '--clusterrole=cluster-admin',
      `--serviceaccount=${NS}:replica-a`,
      `--serviceaccount=${NS}:replica-b`,
    ]);
  });

  after(async () => {
    for (const replica of running) {
      try {
        process.kill(-replica.process.pid, 'SIGCONT');
      } catch {
        // Already gone.
      }
    }
    await Promise.allSettled(running.map((replica) => replica.stop()));
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('the frozen leader makes no write after its Lease expired; the standby writes only after it', async () => {
    const a = await start('replica-a');
    await waitFor('replica-a to lead', async () => (await holder()) === 'replica-a', { timeoutMs: 30_000 });
    await waitFor('the first sync', async () => (await replicas(kube)) === '1', {
      timeoutMs: 60_000,
      onTimeout: () => a.process.logTail(20),
    });
    const b = await start('replica-b');

    process.kill(-a.process.pid, 'SIGSTOP');
    // The world changes while the leader is frozen: its watch and its timers will see it on waking.
    await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=4', '-n', 'my-demo']);
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });

    await waitFor('replica-b to lead', async () => (await holder()) === 'replica-b', {
      timeoutMs: (LEASE_SECONDS + 20) * 1000,
      onTimeout: () => b.process.logTail(20),
    });
    await waitFor('the new leader to revert the scale', async () => (await replicas(kube)) === '1', {
      timeoutMs: 30_000,
      onTimeout: () => b.process.logTail(20),
    });
    await waitFor(
      'the new leader to commit and apply the update',
      async () => (await deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask')).endsWith('develop-v1.9.0'),
      { timeoutMs: 30_000, onTimeout: () => b.process.logTail(20) },
    );

    // Thaw the old leader: it must notice on its own clock that its Lease ran out, and write nothing.
    process.kill(-a.process.pid, 'SIGCONT');
    const exit = await Promise.race([
      a.process.exited.then((code) => `exited ${code}`),
      new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 15_000).unref()),
    ]);

    const events = kube.auditedWrites();
    const aWrites = persisted(events, 'replica-a');
    const bWrites = persisted(events, 'replica-b');
    const aRenews = aWrites.filter(isLeaseWrite);
    const bFirst = bWrites[0];
    assert.ok(aRenews.length > 0 && bFirst !== undefined, 'both replicas wrote their Lease');
    const aLastRenew = aRenews.at(-1) as AuditEvent;
    const aExpiry = time(aLastRenew.stageTimestamp) + LEASE_SECONDS * 1000;
    const late = aWrites.filter((event) => time(event.requestReceivedTimestamp) >= aExpiry);
    const afterB = aWrites.filter(
      (event) => time(event.requestReceivedTimestamp) >= time(bFirst.requestReceivedTimestamp),
    );
    process.stdout.write(
      `# replica-a: ${aWrites.length} writes, last Lease renew ${aLastRenew.stageTimestamp}; replica-b's first write ${describeWrite(bFirst)}; replica-a after SIGCONT: ${exit}\n`,
    );
    assert.deepEqual(late.map(describeWrite), [], 'the old leader wrote after its Lease expired');
    assert.deepEqual(afterB.map(describeWrite), [], "the old leader wrote after the standby's first write");
    assert.ok(isLeaseWrite(bFirst), "the standby's first write is taking the Lease");
    assert.ok(
      time(bFirst.requestReceivedTimestamp) >= aExpiry,
      'the standby took the Lease only after it expired',
    );
    assert.equal(exit, 'exited 1', 'the old leader exits (1) once it sees that it lost the Lease');
    assert.ok(
      a.logs().some((line) => String(line.msg).startsWith('lost leadership')),
      'the old leader says why it stopped',
    );

    const releases = (await git.gitIn('flux-demo', ['log', '--format=%s', 'main']))
      .split('\n')
      .filter((subject) => subject.startsWith('Auto-release'));
    assert.deepEqual(releases, [`Auto-release ${registry.host}/flaskapp:develop-v1.9.0`]);
  });

  it('a busy leader that may no longer renew stops writing at its renew deadline; the standby follows', async () => {
    // replica-c may write everything tagpilot writes, and its Lease only through one RoleBinding.
    await kube.kubectl(['create', 'serviceaccount', 'replica-c', '-n', NS]);
    for (const role of ['tagpilot-controller', 'tagpilot-applier']) {
      await kube.kubectl([
        'create',
        'clusterrolebinding',
        `${role}-replica-c`,
        `--clusterrole=${role}`,
        `--serviceaccount=${NS}:replica-c`,
      ]);
    }
    await kube.kubectl([
      'create',
      'rolebinding',
      'lease-replica-c',
      '-n',
      NS,
      '--role=tagpilot-leader-election',
      `--serviceaccount=${NS}:replica-c`,
    ]);
    // The current leader leaves gracefully (releases the Lease); replica-c leads, replica-a stands by.
    await Promise.allSettled(running.map((replica) => replica.stop()));
    const c = await start('replica-c');
    await waitFor('replica-c to lead', async () => (await holder()) === 'replica-c', { timeoutMs: 30_000 });
    const standby = await start('replica-a');

    // Keep the leader busy reverting drift the whole time.
    let churning = true;
    const churn = (async () => {
      while (churning) {
        await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=3', '-n', 'my-demo'], {
          allowFailure: true,
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();
    await waitFor(
      'replica-c to revert drift',
      () => persisted(kube.auditedWrites(), 'replica-c').some((e) => e.objectRef?.resource === 'deployments'),
      { timeoutMs: 30_000, onTimeout: () => c.process.logTail(20) },
    );
    await kube.kubectl(['delete', 'rolebinding', 'lease-replica-c', '-n', NS]);
    const cut = Date.now();
    await waitFor('replica-a to lead', async () => (await holder()) === 'replica-a', {
      timeoutMs: (LEASE_SECONDS + 20) * 1000,
      onTimeout: () => standby.process.logTail(20),
    });
    const exit = await Promise.race([
      c.process.exited.then((code) => `exited ${code}`),
      new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 15_000).unref()),
    ]);
    churning = false;
    await churn;
    await waitFor('the new leader to revert the last scale', async () => (await replicas(kube)) === '1', {
      timeoutMs: 30_000,
      onTimeout: () => standby.process.logTail(20),
    });

    const events = kube.auditedWrites();
    const cWrites = persisted(events, 'replica-c');
    const cLastRenew = cWrites.filter(isLeaseWrite).at(-1);
    const takeover = persisted(events, 'replica-a').find(
      (event) => isLeaseWrite(event) && time(event.requestReceivedTimestamp) > cut,
    );
    assert.ok(cLastRenew !== undefined && takeover !== undefined);
    const fenceClosed = time(cLastRenew.requestReceivedTimestamp) + RENEW_DEADLINE_MS;
    const cLast = cWrites.at(-1) as AuditEvent;
    const reverts = cWrites.filter((event) => event.objectRef?.resource === 'deployments');
    const revertsAfterCut = reverts.filter((event) => time(event.requestReceivedTimestamp) > cut);
    process.stdout.write(
      `# replica-c: ${reverts.length} reverts (${revertsAfterCut.length} after its Lease rights were cut), last renew ${cLastRenew.requestReceivedTimestamp}, last write ${describeWrite(cLast)}; replica-a took over ${takeover.requestReceivedTimestamp}; replica-c: ${exit}\n`,
    );
    assert.ok(revertsAfterCut.length > 0, 'the leader kept working until its fence closed');
    const late = cWrites.filter(
      (event) => !isLeaseWrite(event) && time(event.requestReceivedTimestamp) > fenceClosed + 1000,
    );
    assert.deepEqual(late.map(describeWrite), [], 'the leader wrote after its renew deadline');
    assert.ok(time(cLast.stageTimestamp) < time(takeover.requestReceivedTimestamp), 'the standby follows');
    assert.equal(exit, 'exited 1');
  });
});
