// Registry quirks, checked by the shape of the requests the client sends (MockAgent, network
// closed, every interceptor required): Quay's 100-tag pages and absolute next_page links, ECR's
// 1,000 cap, Docker Hub's library/ and API host, Artifactory's next link without the virtual
// repository, Harbor's standard link, GHCR's anonymous token for public images.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { MockAgent, type MockCallHistoryLog } from 'undici';
import { RegistryClient } from './client.ts';
import { staticCredentials } from './credentials.ts';
import { RegistryError } from './errors.ts';
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
    ['docker.io', undefined, 10000],
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
    .intercept({ path: '/v2/library/nginx/tags/list?n=10000' })
    .reply(200, page(['1.27']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags('nginx'), ['1.27']);
});

test('Artifactory: a next link without the virtual repository key continues on our path with its `last`', async () => {
  const host = 'artifactory.example.com';
  const pool = agent.get(`https://${host}`);
  // What Artifactory answers for a virtual repository `docker-virtual` (RTFACT-18971).
  pool.intercept({ path: '/v2/docker-virtual/team/app/tags/list?n=10000' }).reply(200, page(['1.0', '1.1']), {
    headers: {
      ...json,
      'x-jfrog-version': 'Artifactory/7.77.3',
      link: '</v2/team/app/tags/list?last=1.1&n=1000>; rel="next"',
    },
  });
  pool
    .intercept({ path: '/v2/docker-virtual/team/app/tags/list?n=10000&last=1.1' })
    .reply(200, page(['1.2']), { headers: { ...json, 'x-jfrog-version': 'Artifactory/7.77.3' } });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags(`${host}/docker-virtual/team/app`), ['1.0', '1.1', '1.2']);
});

test('a next link to another repository without `last` is refused, never followed into that repository', async () => {
  const pool = agent.get('https://registry.example.com');
  pool.intercept({ path: '/v2/team/app/tags/list?n=10000' }).reply(200, page(['1.0']), {
    headers: { ...json, link: '</v2/other/app/tags/list?page=2>; rel="next"' },
  });
  const client = new RegistryClient({ dispatcher: agent });
  await assert.rejects(client.listTags('registry.example.com/team/app'), (error: unknown) => {
    assert.ok(error instanceof RegistryError);
    assert.equal(error.code, 'INVALID_RESPONSE');
    assert.match(
      error.message,
      /leaves \/v2\/team\/app\/tags\/list \(\/v2\/other\/app\/tags\/list\) and has no `last`/,
    );
    return true;
  });
});

test('Harbor: its standard next link (last and n re-encoded, tags by name) is followed as given', async () => {
  const pool = agent.get('https://harbor.example.com');
  pool.intercept({ path: '/v2/library/app/tags/list?n=10000' }).reply(200, page(['v1', 'v1+build']), {
    headers: { ...json, link: '</v2/library/app/tags/list?last=v1%2Bbuild&n=1000>; rel="next"' },
  });
  pool
    .intercept({ path: '/v2/library/app/tags/list?last=v1%2Bbuild&n=1000' })
    .reply(200, page(['v2']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags('harbor.example.com/library/app'), ['v1', 'v1+build', 'v2']);
});

const GHCR_CHALLENGE =
  'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/app:pull"';
const authorizationOf = (call: MockCallHistoryLog) =>
  (call.headers as Record<string, string> | undefined)?.authorization;

test('GHCR: a public image is listed with an anonymous token (no credentials sent anywhere), every page read', async () => {
  agent.enableCallHistory();
  const pool = agent.get('https://ghcr.io');
  pool
    .intercept({ path: '/v2/org/app/tags/list?n=10000' })
    .reply(401, '', { headers: { 'www-authenticate': GHCR_CHALLENGE } });
  pool
    .intercept({ path: '/token?service=ghcr.io&scope=repository%3Aorg%2Fapp%3Apull' })
    .reply(200, '{"token":"djE6b3JnL2FwcDox"}', { headers: json });
  pool
    .intercept({
      path: '/v2/org/app/tags/list?n=10000',
      headers: { authorization: 'Bearer djE6b3JnL2FwcDox' },
    })
    .reply(200, page(['0.1']), {
      headers: { ...json, link: '</v2/org/app/tags/list?last=0.1&n=1000>; rel="next"' },
    });
  pool
    .intercept({
      path: '/v2/org/app/tags/list?last=0.1&n=1000',
      headers: { authorization: 'Bearer djE6b3JnL2FwcDox' },
    })
    .reply(200, page(['0.2']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags('ghcr.io/org/app'), ['0.1', '0.2']);
  const history = agent.getCallHistory();
  const token = history?.filterCalls({ path: /^\/token/ }) ?? [];
  assert.equal(token.length, 1);
  assert.equal(
    authorizationOf(token[0] as MockCallHistoryLog),
    undefined,
    'no credentials to the token endpoint',
  );
});

test('GHCR: a credential the token endpoint refuses is reported, not replaced by an anonymous token', async () => {
  const pool = agent.get('https://ghcr.io');
  pool
    .intercept({ path: '/v2/org/app/tags/list?n=10000' })
    .reply(401, '', { headers: { 'www-authenticate': GHCR_CHALLENGE } });
  pool
    .intercept({ path: '/token?service=ghcr.io&scope=repository%3Aorg%2Fapp%3Apull' })
    .reply(403, '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}', {
      headers: json,
    });
  const client = new RegistryClient({
    dispatcher: agent,
    credentials: staticCredentials('ghcr.io', { username: 'bot', password: 'expired-pat' }),
  });
  await assert.rejects(client.listTags('ghcr.io/org/app'), (error: unknown) => {
    assert.ok(error instanceof RegistryError);
    assert.match(error.message, /denied/i);
    return true;
  });
});

test('one large page first (n=10000), then the Link as the registry wrote it', async () => {
  const pool = agent.get('https://registry.example');
  pool.intercept({ path: '/v2/team/app/tags/list?n=10000' }).reply(200, page(['1', '2']), {
    headers: { ...json, link: '</v2/team/app/tags/list?last=2&n=2>; rel="next"' },
  });
  pool.intercept({ path: '/v2/team/app/tags/list?last=2&n=2' }).reply(200, page(['3']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags('registry.example/team/app'), ['1', '2', '3']);
});

test('a registry that refuses n=10000 with a 400 is asked once more with n=1000', async () => {
  const pool = agent.get('https://gitlab.example');
  const refusal = JSON.stringify({ errors: [{ code: 'PAGINATION_NUMBER_INVALID', message: 'n' }] });
  pool.intercept({ path: '/v2/team/app/tags/list?n=10000' }).reply(400, refusal, { headers: json });
  pool.intercept({ path: '/v2/team/app/tags/list?n=1000' }).reply(200, page(['1']), {
    headers: { ...json, link: '</v2/team/app/tags/list?last=1&n=1000>; rel="next"' },
  });
  pool.intercept({ path: '/v2/team/app/tags/list?last=1&n=1000' }).reply(200, page(['2']), { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  assert.deepEqual(await client.listTags('gitlab.example/team/app'), ['1', '2']);
});

test('a 400 to n=1000 or less is an error, not asked again', async () => {
  const pool = agent.get('https://gitlab.example');
  pool.intercept({ path: '/v2/team/app/tags/list?n=1000' }).reply(400, '{}', { headers: json });
  const client = new RegistryClient({ dispatcher: agent });
  await assert.rejects(client.listTags('gitlab.example/team/app', { pageSize: 1000 }), (error) => {
    assert.ok(error instanceof RegistryError);
    assert.equal(error.status, 400);
    return true;
  });
});
