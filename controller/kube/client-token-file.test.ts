// In a Pod the client reads the ServiceAccount token from its file, and a token that stopped
// working (the kubelet rotated it, the old one was revoked) is read afresh on the first 401,
// without waiting for any cache to expire. MockAgent plays the API server; the token file is real.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { MockAgent } from 'undici';
import { KubeClient } from './client.ts';

const SERVER = 'https://kube.test';

describe('KubeClient with an in-cluster token file', () => {
  let agent: MockAgent;
  let dir: string;

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    dir = mkdtempSync(join(tmpdir(), 'token-file-'));
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the token in the file, and after a 401 reads the rotated one and retries at once', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'first-token\n');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser(
      { name: 'in-cluster', server: SERVER, skipTLSVerify: true },
      { name: 'sa', authProvider: { name: 'tokenFile', config: { tokenFile } } },
    );
    const pool = agent.get(SERVER);
    const seen: string[] = [];
    const answer = (status: number) => (options: { headers?: unknown }) => {
      seen.push(String((options.headers as Record<string, string>).authorization));
      return {
        statusCode: status,
        data: status === 200 ? '{"kind":"Namespace"}' : '{"kind":"Status","code":401}',
      };
    };
    pool.intercept({ path: '/api/v1/namespaces/a', method: 'GET' }).reply(answer(200));
    pool.intercept({ path: '/api/v1/namespaces/a', method: 'GET' }).reply(answer(401));
    pool.intercept({ path: '/api/v1/namespaces/a', method: 'GET' }).reply(answer(200));
    const client = new KubeClient({ kubeConfig, dispatcher: agent, sleep: async () => {} });
    await client.request({ method: 'GET', path: '/api/v1/namespaces/a' });
    writeFileSync(tokenFile, 'rotated-token\n');
    await client.request({ method: 'GET', path: '/api/v1/namespaces/a' });
    assert.deepEqual(seen, ['Bearer first-token', 'Bearer first-token', 'Bearer rotated-token']);
  });
});
