/**
 * Credentials go only to their own origin (DESIGN §0 promise 4, §4.1): a 401 challenge that comes
 * from another origin — the end of a redirect — is never answered with the registry's
 * credentials, and the scheme it names is not remembered for the registry. On the old code the
 * foreign Basic challenge was answered (and cached for the registry), and a foreign Bearer realm
 * was sent `Basic user:pw` in the token request. A real registry redirects only blob reads to
 * its storage, so the redirect is produced with MockAgent; every interceptor must fire and the
 * network is closed.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { MockAgent } from 'undici';
import { RegistryClient } from './client.ts';
import { staticCredentials } from './credentials.ts';
import { isRegistryError } from './errors.ts';

const REGISTRY = 'https://registry.example';
const FOREIGN = 'https://foreign.example';
const IMAGE = 'registry.example/app';
const TAGS = '/v2/app/tags/list?n=10000';
const JSON_HEADERS = { 'content-type': 'application/json' };
const noAuthorization = (headers: Record<string, string>) => !('authorization' in headers);

let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

function client(): RegistryClient {
  return new RegistryClient({
    dispatcher: agent,
    now: () => Date.parse('2026-01-01T00:00:00Z'),
    sleep: async () => {},
    random: () => 0.5,
    credentials: staticCredentials('registry.example', { username: 'alice', password: 'password' }),
  });
}

/** Every request that carried an Authorization header, as `origin path`. */
function authorizedRequests(): string[] {
  return (agent.getCallHistory()?.calls() ?? [])
    .filter((call) => {
      const headers = call.headers as Record<string, string> | undefined;
      return headers !== undefined && 'authorization' in headers;
    })
    .map((call) => `${call.origin} ${call.path}`);
}

async function rejectsUnauthorized(promise: Promise<unknown>, says: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isRegistryError(error), String(error));
    assert.equal(error.code, 'UNAUTHORIZED', error.message);
    assert.match(error.message, says);
    return true;
  });
}

describe('a challenge from a foreign origin after a redirect', () => {
  for (const [scheme, challenge] of [
    ['Basic', 'Basic realm="foreign"'],
    ['Bearer', `Bearer realm="${FOREIGN}/token",service="foreign"`],
  ] as const) {
    test(`${scheme}: not answered with the registry's credentials, not remembered`, async () => {
      agent
        .get(REGISTRY)
        .intercept({ path: TAGS, headers: noAuthorization })
        .reply(302, '', { headers: { location: `${FOREIGN}/v2/app/tags/list?n=10000` } });
      agent
        .get(FOREIGN)
        .intercept({ path: TAGS, headers: noAuthorization })
        .reply(401, '', { headers: { 'www-authenticate': challenge } });
      const c = client();
      await rejectsUnauthorized(c.listTags(IMAGE), /foreign\.example.*not answered/);
      // The next request to the registry is the same anonymous probe: nothing was learned.
      agent
        .get(REGISTRY)
        .intercept({ path: TAGS, headers: noAuthorization })
        .reply(200, JSON.stringify({ name: 'app', tags: ['a'] }), { headers: JSON_HEADERS });
      assert.deepEqual(await c.listTags(IMAGE), ['a']);
      assert.deepEqual(authorizedRequests(), []);
    });
  }
});
