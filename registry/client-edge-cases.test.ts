/**
 * What a real registry does not do on demand — 429 storms, 5xx bursts, connection resets, broken
 * JSON, foreign pagination links, a hanging token realm, redirects to blob storage — through
 * undici's MockAgent with the network closed and every interceptor required to fire.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { MockAgent } from 'undici';
import { RegistryClient } from './client.ts';
import type { RegistryClientOptions } from './client-types.ts';
import { basicAuthorization, staticCredentials } from './credentials.ts';
import { isRegistryError, type RegistryErrorCode } from './errors.ts';

const REGISTRY = 'https://registry.example';
const REALM = 'https://auth.example';
const IMAGE = 'registry.example/app';
const TAGS = '/v2/app/tags/list?n=10000';
const BASIC = basicAuthorization('user', 'pw');
const JSON_HEADERS = { 'content-type': 'application/json' };

let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

/** A clock whose sleep advances time and records each wait. */
function testClock() {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

function client(clock: ReturnType<typeof testClock>, options: RegistryClientOptions = {}): RegistryClient {
  return new RegistryClient({
    dispatcher: agent,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    retry: { baseDelayMs: 100 },
    ...options,
  });
}

function tags(...names: string[]): string {
  return JSON.stringify({ name: 'app', tags: names });
}

async function rejectsWith(promise: Promise<unknown>, code: RegistryErrorCode, message?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isRegistryError(error), `not a RegistryError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function calls() {
  return agent.getCallHistory()?.calls() ?? [];
}

describe('429: Retry-After and rate halving', () => {
  test('waits exactly Retry-After each time, then the halved rate spaces later requests', async () => {
    const clock = testClock();
    const pool = agent.get(REGISTRY);
    pool
      .intercept({ path: TAGS })
      .reply(429, '', { headers: { 'retry-after': '2' } })
      .times(3);
    pool.intercept({ path: TAGS }).reply(200, tags('a'), { headers: JSON_HEADERS }).times(4);
    const c = client(clock, { limits: { ratePerSecond: 10, burst: 1 } });
    assert.deepEqual(await c.listTags(IMAGE), ['a']);
    assert.deepEqual(clock.slept, [2000, 2000, 2000]);
    // 10/s halved three times is 1.25/s: the bucket (refilled during the pause) lets one request
    // through, then one per 800 ms.
    await c.listTags(IMAGE);
    await c.listTags(IMAGE);
    await c.listTags(IMAGE);
    assert.deepEqual(clock.slept.slice(3), [800, 800]);
  });

  test('an HTTP-date Retry-After is honoured too', async () => {
    const clock = testClock();
    const at = new Date(clock.now() + 5000).toUTCString();
    const pool = agent.get(REGISTRY);
    pool.intercept({ path: TAGS }).reply(429, '', { headers: { 'retry-after': at } });
    pool.intercept({ path: TAGS }).reply(200, tags('a'), { headers: JSON_HEADERS });
    await client(clock).listTags(IMAGE);
    assert.deepEqual(clock.slept, [5000]);
  });

  test('without Retry-After it backs off, and gives up with RATE_LIMITED (retryable)', async () => {
    const clock = testClock();
    agent.get(REGISTRY).intercept({ path: TAGS }).reply(429, '').times(4);
    await rejectsWith(client(clock).listTags(IMAGE), 'RATE_LIMITED', /HTTP 429\) after 4 attempts/);
    // Backoff 75, 150, 300 ms (equal jitter at 0.5); the bucket refills during each backoff.
    assert.deepEqual(clock.slept, [75, 150, 300]);
  });

  test('a Retry-After beyond the limit fails at once and says how long', async () => {
    const clock = testClock();
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS })
      .reply(429, '', { headers: { 'retry-after': '3600' } });
    await assert.rejects(client(clock).listTags(IMAGE), (error: unknown) => {
      assert.ok(isRegistryError(error, 'RATE_LIMITED'));
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 3_600_000);
      assert.match(error.message, /asks to wait 3600 s/);
      return true;
    });
    assert.deepEqual(clock.slept, []);
  });
});

describe('5xx and connection failures', () => {
  test('503 then 502 then success: retried with exact jittered backoff', async () => {
    const clock = testClock();
    const pool = agent.get(REGISTRY);
    pool.intercept({ path: TAGS }).reply(503, 'busy');
    pool.intercept({ path: TAGS }).reply(502, 'bad gateway');
    pool.intercept({ path: TAGS }).reply(200, tags('x', 'y'), { headers: JSON_HEADERS });
    assert.deepEqual(await client(clock).listTags(IMAGE), ['x', 'y']);
    assert.deepEqual(clock.slept, [75, 150]);
  });

  test('a persistent 503 ends as UNAVAILABLE after the bounded attempts', async () => {
    const clock = testClock();
    agent.get(REGISTRY).intercept({ path: TAGS }).reply(503, '').times(3);
    await rejectsWith(
      client(clock, { retry: { baseDelayMs: 100, maxAttempts: 3 } }).listTags(IMAGE),
      'UNAVAILABLE',
      /HTTP 503 after 3 attempts/,
    );
    assert.deepEqual(clock.slept, [75, 150]);
  });

  test('a connection reset is retried', async () => {
    const clock = testClock();
    const pool = agent.get(REGISTRY);
    pool
      .intercept({ path: TAGS })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    pool.intercept({ path: TAGS }).reply(200, tags('a'), { headers: JSON_HEADERS });
    assert.deepEqual(await client(clock).listTags(IMAGE), ['a']);
    assert.deepEqual(clock.slept, [75]);
  });

  test('a 404 is not retried', async () => {
    const clock = testClock();
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS })
      .reply(
        404,
        JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known' }] }),
      );
    await rejectsWith(client(clock).listTags(IMAGE), 'NOT_FOUND', /NAME_UNKNOWN/);
    assert.equal(calls().length, 1);
  });
});

describe('malformed answers', () => {
  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"tags": [', /page 1\): the body is not JSON/],
    ['tags not an array', '{"tags": "latest"}', /unexpected JSON at tags/],
    ['a tag not a string', '{"tags": ["a", 1]}', /unexpected JSON at tags\.1/],
  ];
  for (const [name, body, message] of cases) {
    test(`tag list ${name} -> INVALID_RESPONSE, not retried`, async () => {
      agent.get(REGISTRY).intercept({ path: TAGS }).reply(200, body, { headers: JSON_HEADERS });
      await rejectsWith(client(testClock()).listTags(IMAGE), 'INVALID_RESPONSE', message);
      assert.equal(calls().length, 1);
    });
  }

  test('a manifest whose bytes do not match its digest -> INVALID_RESPONSE', async () => {
    const claimed = `sha256:${'0'.repeat(64)}`;
    agent
      .get(REGISTRY)
      .intercept({ path: '/v2/app/manifests/1.0' })
      .reply(200, '{"schemaVersion":2,"config":{"digest":"sha256:abc"}}', {
        headers: {
          'docker-content-digest': claimed,
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
        },
      });
    await rejectsWith(
      client(testClock()).getImageCreated(`${IMAGE}:1.0`),
      'INVALID_RESPONSE',
      /does not match/,
    );
  });

  test('a token response without a token -> INVALID_RESPONSE', async () => {
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS })
      .reply(401, '', { headers: { 'www-authenticate': `Bearer realm="${REALM}/token",service="reg"` } });
    agent
      .get(REALM)
      .intercept({ path: (p) => p.startsWith('/token?') })
      .reply(200, '{"expires_in": 300}', { headers: JSON_HEADERS });
    await rejectsWith(client(testClock()).listTags(IMAGE), 'INVALID_RESPONSE', /has no token/);
  });
});

describe('where credentials go', () => {
  test('a next link to another origin is refused before anything is sent there', async () => {
    const pool = agent.get(REGISTRY);
    pool.intercept({ path: TAGS }).reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    pool.intercept({ path: TAGS, headers: { authorization: BASIC } }).reply(200, tags('a', 'b'), {
      headers: { ...JSON_HEADERS, link: '</v2/app/tags/list?last=b&n=1000>; rel="next"' },
    });
    pool
      .intercept({ path: '/v2/app/tags/list?last=b&n=1000', headers: { authorization: BASIC } })
      .reply(200, tags('c'), {
        headers: { ...JSON_HEADERS, link: '<https://evil.example/v2/app/tags/list?last=c>; rel="next"' },
      });
    const c = client(testClock(), {
      credentials: staticCredentials('registry.example', { username: 'user', password: 'pw' }),
    });
    await rejectsWith(c.listTags(IMAGE), 'FOREIGN_LINK', /points to https:\/\/evil\.example; not followed/);
    assert.deepEqual(
      calls().map((call) => call.origin),
      [REGISTRY, REGISTRY, REGISTRY],
    );
  });

  test('the token realm gets the credentials for the token request only; the registry gets the token', async () => {
    const challenge = `Bearer realm="${REALM}/token",service="registry.example",scope="repository:app:pull"`;
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS })
      .reply(401, '', { headers: { 'www-authenticate': challenge } });
    agent
      .get(REALM)
      .intercept({
        path: '/token?service=registry.example&scope=repository%3Aapp%3Apull',
        headers: { authorization: BASIC },
      })
      .reply(200, '{"token":"T1","expires_in":300}', { headers: JSON_HEADERS });
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS, headers: { authorization: 'Bearer T1' } })
      .reply(200, tags('a'), { headers: JSON_HEADERS })
      .times(2);
    const c = client(testClock(), {
      credentials: staticCredentials('registry.example', { username: 'user', password: 'pw' }),
    });
    await c.listTags(IMAGE);
    await c.listTags(IMAGE);
    const registryAuth = calls()
      .filter((call) => call.origin === REGISTRY)
      .map((call) => call.headers?.authorization);
    assert.deepEqual(registryAuth, [undefined, 'Bearer T1', 'Bearer T1']);
  });

  test('a password is never sent to a plain-HTTP realm on a public host', async () => {
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS })
      .reply(401, '', { headers: { 'www-authenticate': 'Bearer realm="http://auth.example/token"' } });
    const c = client(testClock(), {
      credentials: staticCredentials('registry.example', { username: 'user', password: 'pw' }),
    });
    await rejectsWith(c.listTags(IMAGE), 'UNAUTHORIZED', /plain HTTP; credentials not sent/);
    assert.equal(calls().length, 1);
  });

  test('a redirect to blob storage on another origin is followed without the Authorization header', async () => {
    const config = JSON.stringify({ created: '2025-05-06T07:08:09Z' });
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { digest: configDigest },
    });
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const pool = agent.get(REGISTRY);
    pool
      .intercept({ path: '/v2/app/manifests/1.0' })
      .reply(401, '', { headers: { 'www-authenticate': 'Basic realm="r"' } });
    pool
      .intercept({ path: '/v2/app/manifests/1.0', headers: { authorization: BASIC } })
      .reply(200, manifest, {
        headers: {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': digest,
        },
      });
    pool
      .intercept({ path: `/v2/app/blobs/${configDigest}`, headers: { authorization: BASIC } })
      .reply(307, '', { headers: { location: 'https://storage.example/blob/abc?sig=1' } });
    agent
      .get('https://storage.example')
      .intercept({ path: '/blob/abc?sig=1', headers: (h) => !('authorization' in h) })
      .reply(200, config);
    const c = client(testClock(), {
      credentials: staticCredentials('registry.example', { username: 'user', password: 'pw' }),
    });
    const meta = await c.getImageCreated(`${IMAGE}:1.0`);
    assert.equal(meta.digest, digest);
    assert.equal(meta.created?.toISOString(), '2025-05-06T07:08:09.000Z');
  });
});

describe('timeouts', () => {
  test('a token realm that hangs -> TIMEOUT after the bounded attempts', async () => {
    const clock = testClock();
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS })
      .reply(401, '', { headers: { 'www-authenticate': `Bearer realm="${REALM}/token",service="reg"` } });
    agent
      .get(REALM)
      .intercept({ path: (p) => p.startsWith('/token?') })
      .reply(200, '{"token":"T"}')
      .delay(60_000)
      .times(2);
    const c = client(clock, { timeoutMs: 50, retry: { baseDelayMs: 100, maxAttempts: 2 } });
    const started = performance.now();
    await rejectsWith(
      c.listTags(IMAGE),
      'TIMEOUT',
      /auth\.example\/token: no answer within 50 ms after 2 attempts/,
    );
    assert.ok(performance.now() - started < 5000);
    assert.deepEqual(clock.slept, [75]);
  });
});
