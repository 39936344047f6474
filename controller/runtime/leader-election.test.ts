// The Lease fence on an injected monotonic clock, with the API server's answers from undici's
// MockAgent (network closed, every answer must be used): no decision reads another machine's clock,
// and a leader stops writing at its renew deadline. test/safety/lease-fencing.test.ts proves the same
// against a real kube-apiserver and two controller processes.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';
import { testKubeConfig } from '../kube/test-kubeconfig.ts';
import { WriteFencedError } from '../kube/write-fence.ts';
import { LeaderElector } from './leader-election.ts';

const SERVER = 'https://kube.test';
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/ops/leases/leader';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/ops/leases';
const JSON_HEADERS = { 'content-type': 'application/json' };

const kubeConfig = () => testKubeConfig(SERVER);

const lease = (holder: string, resourceVersion: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'leader', namespace: 'ops', resourceVersion },
  // A renewTime from another machine's clock, decades off: it must not matter.
  spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: '1970-01-01T00:00:00.000000Z' },
});

describe('LeaderElector fence', () => {
  let agent: MockAgent;
  let t: number;
  let sleeping: (() => void)[];
  const events: string[] = [];
  let elector: LeaderElector | undefined;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    t = 0;
    sleeping = [];
    events.length = 0;
  });
  afterEach(async () => {
    await elector?.stop().catch(() => undefined);
    elector = undefined;
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  const start = (identity: string) => {
    elector = new LeaderElector({
      client: new KubeClient({ kubeConfig: kubeConfig(), dispatcher: agent }),
      namespace: 'ops',
      name: 'leader',
      identity,
      monotonic: () => t,
      sleep: (_ms, signal) =>
        new Promise<void>((resolve) => {
          sleeping.push(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
        }),
      onStartedLeading: () => events.push('started'),
      onStoppedLeading: () => events.push('stopped'),
    });
    elector.start();
    return elector;
  };
  /** Waits until the loop finished its attempt and sleeps. */
  const attemptDone = async () => {
    const deadline = Date.now() + 5000;
    while (sleeping.length === 0) {
      if (Date.now() > deadline) throw new Error('the election loop did not finish its attempt');
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  /** Moves the monotonic clock to `at` and lets the loop run one more attempt. */
  const attemptAt = async (at: number) => {
    t = at;
    sleeping.shift()?.();
    await attemptDone();
  };
  const pool = () => agent.get(SERVER);
  const get = (body: object) =>
    pool().intercept({ path: LEASE, method: 'GET' }).reply(200, body, { headers: JSON_HEADERS });

  it('takes over only after seeing the Lease unchanged for a full lease duration on its own clock', async () => {
    get(lease('a', '5'));
    const b = start('b');
    await attemptDone();
    assert.equal(b.isLeader, false, 'a renewTime from 1970 must not count as expired');

    get(lease('a', '6')); // a renewed: the wait starts again
    await attemptAt(10_000);
    get(lease('a', '6'));
    await attemptAt(24_999);
    assert.equal(b.isLeader, false);

    get(lease('a', '6'));
    pool()
      .intercept({ path: LEASE, method: 'PUT' })
      .reply(200, (request) => JSON.parse(String(request.body)) as object, { headers: JSON_HEADERS });
    await attemptAt(25_000);
    assert.equal(b.isLeader, true);
    assert.deepEqual(events, ['started']);
  });

  it('closes the fence at the renew deadline: later writes are refused, writes in flight cut off', async () => {
    pool()
      .intercept({ path: LEASE, method: 'GET' })
      .reply(404, { kind: 'Status', code: 404, reason: 'NotFound' }, { headers: JSON_HEADERS });
    pool().intercept({ path: LEASES, method: 'POST' }).reply(201, lease('a', '1'), { headers: JSON_HEADERS });
    const a = start('a');
    await attemptDone();
    assert.equal(a.isLeader, true);
    const client = new KubeClient({ kubeConfig: kubeConfig(), dispatcher: agent, fence: a.fence });
    const write = (what: string) =>
      client.request({
        method: 'PATCH',
        path: '/api/v1/namespaces/ops/configmaps/x',
        contentType: 'application/apply-patch+yaml',
        body: {},
        what,
      });

    // A write sent just before the deadline, still in flight when the renew fails past it.
    pool()
      .intercept({ path: '/api/v1/namespaces/ops/configmaps/x', method: 'PATCH' })
      .reply(200, {})
      .delay(60_000);
    t = 9_999;
    const inFlight = write('apply ConfigMap ops/x').then(
      () => undefined,
      (error: unknown) => error,
    );
    const sentBy = Date.now() + 5000;
    while (agent.pendingInterceptors().some((i) => i.method === 'PATCH' && !i.consumed)) {
      assert.ok(Date.now() < sentBy, 'the write was never sent');
      await new Promise((resolve) => setImmediate(resolve));
    }
    pool().intercept({ path: LEASE, method: 'GET' }).reply(503, 'etcd is gone');
    await attemptAt(10_000);

    assert.equal(a.isLeader, false);
    assert.deepEqual(events, ['started', 'stopped']);
    assert.ok(a.fence.signal.aborted);
    assert.ok(isKubeError(await inFlight, 'Fenced'), 'the write in flight is cut off');
    await assert.rejects(write('apply ConfigMap ops/y'), (error) => isKubeError(error, 'Fenced'));
    assert.throws(() => a.fence.check('push'), WriteFencedError);
    await client.close();
  });

  it('refuses writes before it leads', () => {
    get(lease('other', '1'));
    const c = start('c');
    assert.throws(() => c.fence.check('apply'), /does not hold the leadership lease/);
    return attemptDone();
  });
});
