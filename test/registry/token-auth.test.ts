// The client against a real registry with Bearer token auth (the distribution token flow through
// the test token server): token reuse per scope, merged concurrent fetches, expiry, refusals, and
// a token realm that hangs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isRegistryError, RegistryClient, staticCredentials } from '../../registry/index.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { manualClock } from './helpers.ts';

describe('registry with token auth', () => {
  let registry: RegistryStack;
  const clients: RegistryClient[] = [];
  const newClient = (options: ConstructorParameters<typeof RegistryClient>[0] = {}) => {
    const client = new RegistryClient({
      credentials: staticCredentials(registry.host, {
        username: registry.username,
        password: registry.password,
      }),
      ...options,
    });
    clients.push(client);
    return client;
  };
  const tokenRequests = () => registry.tokenServer?.requests() ?? Number.NaN;

  before(async () => {
    registry = await startRegistry({ auth: 'token' });
    await registry.push.pushImage('team/app', ['1.0.0', '2.0.0'], { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('team/other', ['x']);
  });
  after(async () => {
    for (const client of clients) await client.close();
    await registry?.stop();
  });

  it('lists tags and reads created through the token flow', async () => {
    const client = newClient();
    assert.deepEqual(await client.listTags(`${registry.host}/team/app`), ['1.0.0', '2.0.0']);
    const meta = await client.getImageCreated(`${registry.host}/team/app:2.0.0`);
    assert.equal(meta.created?.toISOString(), '2026-01-01T00:00:00.000Z');
  });

  it('20 requests for one scope fetch one token; another repository fetches its own', async () => {
    const client = newClient();
    const start = tokenRequests();
    for (let i = 0; i < 10; i++) await client.listTags(`${registry.host}/team/app`);
    for (let i = 0; i < 10; i++) await client.getDigest(`${registry.host}/team/app:1.0.0`);
    assert.equal(tokenRequests() - start, 1);
    await client.listTags(`${registry.host}/team/other`);
    assert.equal(tokenRequests() - start, 2);
  });

  it('concurrent first requests for one scope share a single token fetch', async () => {
    const client = newClient();
    await client.listTags(`${registry.host}/team/app`); // learns that the registry wants tokens
    const start = tokenRequests();
    const image = `${registry.host}/team/other`;
    const results = await Promise.all(Array.from({ length: 20 }, () => client.getDigest(`${image}:x`)));
    assert.equal(new Set(results).size, 1);
    assert.equal(tokenRequests() - start, 1);
  });

  it('a token is fetched again once expires_in (300 s) minus the margin has passed', async () => {
    const clock = manualClock();
    const client = newClient({ now: clock.now });
    const start = tokenRequests();
    await client.listTags(`${registry.host}/team/app`);
    clock.advance(289_000);
    await client.listTags(`${registry.host}/team/app`);
    assert.equal(tokenRequests() - start, 1, 'still valid 289 s later (300 s - 10 s margin)');
    clock.advance(2_000);
    await client.listTags(`${registry.host}/team/app`);
    assert.equal(tokenRequests() - start, 2);
  });

  it('a wrong password is UNAUTHORIZED from the token realm', async () => {
    const client = newClient({
      credentials: staticCredentials(registry.host, { username: registry.username, password: 'wrong-one' }),
    });
    await assert.rejects(client.listTags(`${registry.host}/team/app`), (error: unknown) => {
      assert.ok(isRegistryError(error, 'UNAUTHORIZED'));
      assert.match(
        error.message,
        /rejected the credentials for repository:team\/app:pull \(token request to http:\/\/127\.0\.0\.1:\d+\/token: HTTP 401[,)]/,
      );
      assert.doesNotMatch(error.message, /wrong-one/);
      return true;
    });
  });

  it('anonymous access gets a token without rights and ends UNAUTHORIZED', async () => {
    const client = new RegistryClient();
    clients.push(client);
    await assert.rejects(
      client.listTags(`${registry.host}/team/app`),
      (error: unknown) =>
        isRegistryError(error, 'UNAUTHORIZED') && /requires credentials/.test(error.message),
    );
  });

  it('an unknown repository is NOT_FOUND', async () => {
    await assert.rejects(newClient().listTags(`${registry.host}/team/missing`), (e: unknown) =>
      isRegistryError(e, 'NOT_FOUND'),
    );
  });

  it('a token realm that hangs ends in TIMEOUT within the bounded attempts', async () => {
    const client = newClient({ timeoutMs: 300, retry: { maxAttempts: 2, baseDelayMs: 10 } });
    registry.tokenServer?.setDelay(3_000);
    const started = performance.now();
    try {
      await assert.rejects(client.listTags(`${registry.host}/team/app`), (error: unknown) => {
        assert.ok(isRegistryError(error, 'TIMEOUT'));
        assert.equal(error.retryable, true);
        assert.match(error.message, /\/token: no answer within 300 ms after 2 attempts/);
        return true;
      });
    } finally {
      registry.tokenServer?.setDelay(0);
    }
    assert.ok(performance.now() - started < 2_000);
  });
});
