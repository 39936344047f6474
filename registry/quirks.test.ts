// Registry quirks, checked by the shape of the requests the client sends (MockAgent, network
// closed, every interceptor required): Quay's 100-tag pages and absolute next_page links, ECR's
// 1,000 cap, Docker Hub's library/ and API host.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { MockAgent } from 'undici';
import { RegistryClient } from './client.ts';
import { tagPageCap, tagPageSize } from './quirks.ts';

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

const json = { 'content-type': 'application/json' };
const page = (tags: string[]) => JSON.stringify({ name: 'x', tags });

test('page size per host', () => {
  const table: [string, number | undefined, number][] = [
    ['quay.io', undefined, 100],
    ['quay.io', 50, 50],
    ['QUAY.IO', 1000, 100],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 5000, 1000],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', undefined, 1000],
    ['public.ecr.aws', 2000, 1000],
    ['ghcr.io', 5000, 5000],
    ['docker.io', undefined, 1000],
  ];
  for (const [host, requested, expected] of table) assert.equal(tagPageSize(host, requested), expected, host);
  assert.equal(tagPageCap('evil.com.quay.io.example'), undefined);
  assert.equal(tagPageCap('ecr.amazonaws.com.example'), undefined);
});

test('Quay: n=100 and its absolute next_page link followed on the same origin', async () => {
  const pool = agent.get('https://quay.io');
  pool.intercept({ path: '/v2/org/app/tags/list?n=100' }).reply(200, page(['a', 'b']), {
    headers: { ...json, link: '<https://quay.io/v2/org/app/tags/list?n=100&next_page=gAAAAABk>; rel="next"' },
  });
  pool
    .intercept({ path: '/v2/org/app/tags/list?n=100&next_page=gAAAAABk' })
    .reply(200, page(['c']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags('quay.io/org/app'), ['a', 'b', 'c']);
});

test('Quay: pages of 100 are followed past 500 pages (the tag cap stops a huge repository, not the page cap)', async () => {
  const pool = agent.get('https://quay.io');
  const more = { headers: { ...json, link: '</v2/org/big/tags/list?n=100&next_page=x>; rel="next"' } };
  pool.intercept({ path: '/v2/org/big/tags/list?n=100' }).reply(200, page(['t']), more);
  pool
    .intercept({ path: '/v2/org/big/tags/list?n=100&next_page=x' })
    .reply(200, page(['t']), more)
    .times(599);
  pool
    .intercept({ path: '/v2/org/big/tags/list?n=100&next_page=x' })
    .reply(200, page(['last']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  const tags = await client.listTags('quay.io/org/big');
  assert.equal(tags.length, 601);
  assert.equal(tags.at(-1), 'last');
});

test('ECR: a page size above 1,000 is asked as 1,000', async () => {
  const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
  agent
    .get(`https://${host}`)
    .intercept({ path: '/v2/team/app/tags/list?n=1000' })
    .reply(200, page(['1']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags(`${host}/team/app`, { pageSize: 5000 }), ['1']);
});

test('Docker Hub: nginx is library/nginx on registry-1.docker.io', async () => {
  agent
    .get('https://registry-1.docker.io')
    .intercept({ path: '/v2/library/nginx/tags/list?n=1000' })
    .reply(200, page(['1.27']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags('nginx'), ['1.27']);
});
