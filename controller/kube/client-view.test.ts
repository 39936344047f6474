// Views of one KubeClient (fenced, unfenced for the Lease, impersonated) share its connections and
// auth header cache; each changes only what it names. The API server is MockAgent (network closed,
// every interceptor must fire).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { KubeClient } from './client.ts';
import { isKubeError } from './errors.ts';
import { testKubeConfig } from './test-kubeconfig.ts';
import { WriteFencedError } from './write-fence.ts';

const SERVER = 'https://kube.test';
const LEASE = '/apis/coordination.k8s.io/v1/namespaces/ops/leases/leader';

const closedFence = {
  check: (what: string) => {
    throw new WriteFencedError(`${what}: refused: not the leader`);
  },
  signal: new AbortController().signal,
};

describe('KubeClient views', () => {
  it('a fenced view refuses writes while an unfenced view of the same client sends them', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.get(SERVER).intercept({ path: LEASE, method: 'PUT' }).reply(200, {});
    const base = new KubeClient({ kubeConfig: testKubeConfig(SERVER), dispatcher: agent });
    const fenced = base.view({ fence: closedFence });
    const lease = fenced.view({ fence: null, retry: { maxAttempts: 1 }, maxInFlight: 1 });
    await assert.rejects(fenced.request({ method: 'PUT', path: LEASE, body: {} }), (error: unknown) =>
      isKubeError(error, 'Fenced'),
    );
    await lease.request({ method: 'PUT', path: LEASE, body: {} });
    assert.equal(lease.counts.PUT, 1);
    assert.equal(fenced.counts.PUT, 0, 'a refused write is never sent, and views count their own');
    await lease.close();
    await fenced.close();
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it('closing views closes nothing; the client that made the pool closes it', async () => {
    const base = new KubeClient({ kubeConfig: testKubeConfig(SERVER) });
    const asTeam = base.view({ impersonate: { user: 'system:serviceaccount:a:b', groups: [] } });
    const lease = base.view({ fence: null, maxInFlight: 1 });
    await asTeam.close();
    await lease.close();
    // The views closed nothing: the base client still owns an open pool, closed once here.
    await base.close();
    await assert.rejects(base.request({ method: 'GET', path: '/api' }), (error: unknown) =>
      isKubeError(error, 'NetworkError'),
    );
  });
});
