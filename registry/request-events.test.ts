// Request events: the kind of each registry request, Docker Hub's rate-limit headers, and the
// client telling its observer about every answered attempt (retries included).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockAgent } from 'undici';
import { RegistryClient } from './client.ts';
import { countRequests, type RegistryRequestEvent, rateLimitValue, requestKind } from './request-events.ts';

test('requestKind by method and path', () => {
  const table: [string, string, string][] = [
    ['GET', '/v2/library/nginx/tags/list?n=1000', 'list'],
    ['GET', '/v2/app/tags/list?last=x&n=100', 'list'],
    ['HEAD', '/v2/app/manifests/1.0', 'head'],
    ['GET', '/v2/app/manifests/sha256:abc', 'manifest'],
    ['GET', '/v2/app/blobs/sha256:abc', 'blob'],
    ['GET', '/v2/', 'other'],
    ['GET', '/token?scope=repository:app:pull', 'other'],
    ['GET', '/docker/registry/v2/blobs/sha256/ab/data', 'other'],
  ];
  for (const [method, path, kind] of table)
    assert.equal(requestKind(method, path), kind, `${method} ${path}`);
});

test('rateLimitValue reads the leading number of Docker Hub headers', () => {
  const answer = (value: string | undefined) => ({ status: 200, headers: { 'ratelimit-remaining': value } });
  assert.equal(rateLimitValue(answer('76;w=21600'), 'ratelimit-remaining'), 76);
  assert.equal(rateLimitValue(answer('0'), 'ratelimit-remaining'), 0);
  assert.equal(rateLimitValue(answer(undefined), 'ratelimit-remaining'), undefined);
  assert.equal(rateLimitValue(answer('many'), 'ratelimit-remaining'), undefined);
});

test('the client reports every answered attempt, with the rate-limit headers', async () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get('https://registry.example');
  const limits = { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '41;w=21600' };
  pool.intercept({ path: '/v2/app/tags/list?n=10000' }).reply(503, '');
  pool
    .intercept({ path: '/v2/app/tags/list?n=10000' })
    .reply(200, JSON.stringify({ name: 'app', tags: ['1.0'] }), {
      headers: { 'content-type': 'application/json' },
    });
  pool
    .intercept({ path: '/v2/app/manifests/1.0', method: 'HEAD' })
    .reply(200, '', { headers: { 'docker-content-digest': `sha256:${'a'.repeat(64)}`, ...limits } });
  const events: RegistryRequestEvent[] = [];
  const { observer, counts } = countRequests();
  const client = new RegistryClient({
    dispatcher: agent,
    sleep: async () => {},
    onRequest: (event) => {
      events.push(event);
      observer(event);
    },
  });
  assert.deepEqual(await client.listTags('registry.example/app'), ['1.0']);
  await client.getDigest('registry.example/app:1.0');
  assert.deepEqual(
    events.map((e) => [e.host, e.kind, e.status, e.rateLimitRemaining, e.rateLimitLimit]),
    [
      ['registry.example', 'list', 503, undefined, undefined],
      ['registry.example', 'list', 200, undefined, undefined],
      ['registry.example', 'head', 200, 41, 100],
    ],
  );
  assert.deepEqual(counts, {
    total: 3,
    byKind: { list: 2, head: 1, manifest: 0, blob: 0, other: 0 },
    rateLimitRemaining: 41,
  });
  agent.assertNoPendingInterceptors();
  await agent.close();
});
