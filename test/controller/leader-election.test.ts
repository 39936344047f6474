// Leader election against the real API server: one leader at a time, takeover after the leader
// stops renewing, and a graceful release hands over at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../controller/kube/client.ts';
import { LeaderElector } from '../../controller/runtime/leader-election.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';

describe('LeaderElector', () => {
  let kube: KubeStack;
  before(async () => {
    kube = await startKube();
    await kube.kubectl(['create', 'namespace', 'tagpilot-system']);
  });
  const clients: KubeClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await kube?.stop();
  });

  function elector(identity: string, events: string[], name = 'leader') {
    const client = new KubeClient({ kubeConfig: kube.kubeConfig });
    clients.push(client);
    return new LeaderElector({
      client,
      namespace: 'tagpilot-system',
      name,
      identity,
      leaseDurationSeconds: 2,
      renewDeadlineMs: 1500,
      retryPeriodMs: 200,
      onStartedLeading: () => events.push(`${identity} started`),
      onStoppedLeading: () => events.push(`${identity} stopped`),
    });
  }

  it('elects exactly one leader, and the other takes over after the leader is gone', async () => {
    const events: string[] = [];
    const a = elector('a', events);
    const b = elector('b', events);
    a.start();
    await waitFor('a to lead', () => a.isLeader, { timeoutMs: 10_000 });
    b.start();
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(b.isLeader, false, 'b must not lead while a renews');

    // a dies without releasing: b must wait for the lease to expire, then lead.
    const crashed = Date.now();
    await a.stop().catch(() => {});
    await waitFor('b to lead', () => b.isLeader, { timeoutMs: 10_000 });
    const lease = JSON.parse(
      (await kube.kubectl(['get', 'lease', 'leader', '-n', 'tagpilot-system', '-o', 'json'])).stdout,
    ) as { spec: { holderIdentity: string; leaseTransitions: number } };
    assert.equal(lease.spec.holderIdentity, 'b');
    assert.ok(lease.spec.leaseTransitions >= 1);
    assert.ok(Date.now() - crashed < 5000);
    await b.stop();
    assert.deepEqual(events.slice(0, 2), ['a started', 'b started']);
  });

  it('a graceful stop releases the lease so the next candidate leads at once', async () => {
    const events: string[] = [];
    const a = elector('a', events, 'handover');
    a.start();
    await waitFor('a to lead', () => a.isLeader, { timeoutMs: 10_000 });
    await a.stop();
    const b = elector('b', events, 'handover');
    const started = Date.now();
    b.start();
    await waitFor('b to lead', () => b.isLeader, { timeoutMs: 10_000 });
    assert.ok(Date.now() - started < 1500, 'takeover after release should not wait for expiry');
    await b.stop();
  });
});
