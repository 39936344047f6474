// A GitSync's requests carry the Impersonate-* headers of its ServiceAccount; the controller's own
// client carries none. MockAgent records exactly what is sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { KubeClient } from './client.ts';
import { serviceAccountIdentity } from './impersonation.ts';
import { testKubeConfig } from './test-kubeconfig.ts';

const SERVER = 'https://kube.test';

describe('impersonation', () => {
  it('names a ServiceAccount user and leaves its groups to the API server (no impersonate on groups)', () => {
    assert.deepEqual(serviceAccountIdentity('team-a', 'deployer'), {
      user: 'system:serviceaccount:team-a:deployer',
      groups: [],
    });
  });

  it('sends Impersonate-User and one Impersonate-Group per group on the derived client only', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const seen: Record<string, unknown>[] = [];
    const pool = agent.get(SERVER);
    for (let i = 0; i < 2; i++) {
      pool.intercept({ path: '/api/v1/namespaces/team-a/secrets/git', method: 'GET' }).reply((request) => {
        seen.push(normalise(request.headers));
        return { statusCode: 200, data: '{}' };
      });
    }
    const client = new KubeClient({ kubeConfig: testKubeConfig(SERVER), dispatcher: agent });
    const asTeam = client.impersonating({
      user: 'system:serviceaccount:team-a:deployer',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'],
    });
    await asTeam.request({ method: 'GET', path: '/api/v1/namespaces/team-a/secrets/git' });
    await client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/secrets/git' });
    await asTeam.close();
    agent.assertNoPendingInterceptors();
    assert.equal(seen[0]?.['impersonate-user'], 'system:serviceaccount:team-a:deployer');
    assert.deepEqual(seen[0]?.['impersonate-group'], [
      'system:serviceaccounts',
      'system:serviceaccounts:team-a',
      'system:authenticated',
    ]);
    assert.equal(seen[0]?.authorization, 'Bearer t', 'the controller still authenticates as itself');
    assert.equal(seen[1]?.['impersonate-user'], undefined);
    assert.equal(seen[1]?.['impersonate-group'], undefined);
    // Closing the derived client left the shared dispatcher open: the second request went through.
    await agent.close();
  });
});

/** Headers as undici hands them to a MockAgent reply: a record, or a flat [name, value, …] list. */
function normalise(headers: unknown): Record<string, unknown> {
  if (!Array.isArray(headers))
    return Object.fromEntries(Object.entries(headers as object).map(([k, v]) => [k.toLowerCase(), v]));
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = String(headers[i]).toLowerCase();
    const value = String(headers[i + 1]);
    const prior = out[name];
    out[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return out;
}
