// The client against a real registry with Basic (htpasswd) auth: credentials from a provider or a
// docker config, a wrong password, no credentials, an unknown repository, per-call credentials.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  dockerConfigCredentials,
  isRegistryError,
  RegistryClient,
  staticCredentials,
} from '../../registry/index.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { requestsBetween, settledRequests } from './helpers.ts';

describe('registry with Basic auth', () => {
  let registry: RegistryStack;
  const clients: RegistryClient[] = [];
  const newClient = (options: ConstructorParameters<typeof RegistryClient>[0] = {}) => {
    const client = new RegistryClient(options);
    clients.push(client);
    return client;
  };
  const good = () =>
    staticCredentials(registry.host, { username: registry.username, password: registry.password });
  const wrong = () =>
    staticCredentials(registry.host, { username: registry.username, password: 'not-the-password' });

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    await registry.push.pushImage('team/app', ['1.0.0', '1.1.0'], { created: '2026-02-03T04:05:06Z' });
  });
  after(async () => {
    for (const client of clients) await client.close();
    await registry?.stop();
  });

  it('lists tags and reads created with Basic credentials; only the first request is challenged', async () => {
    const client = newClient({ credentials: good() });
    const image = `${registry.host}/team/app`;
    const start = await settledRequests(registry);
    assert.deepEqual(await client.listTags(image), ['1.0.0', '1.1.0']);
    const meta = await client.getImageCreated(`${image}:1.1.0`);
    assert.equal(meta.created?.toISOString(), '2026-02-03T04:05:06.000Z');
    await client.listTags(image);
    const made = requestsBetween(start, await settledRequests(registry), 'team/app');
    assert.equal(made.unauthorized, 1, made.lines.join('\n'));
  });

  it('takes credentials from a docker config.json (auths key with scheme and path)', async () => {
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const credentials = dockerConfigCredentials({ auths: { [`http://${registry.host}/v2/`]: { auth } } });
    assert.deepEqual(await newClient({ credentials }).listTags(`${registry.host}/team/app`), [
      '1.0.0',
      '1.1.0',
    ]);
  });

  it('a wrong password is UNAUTHORIZED, not retryable, and the message has no secret', async () => {
    await assert.rejects(
      newClient({ credentials: wrong() }).listTags(`${registry.host}/team/app`),
      (error: unknown) => {
        assert.ok(isRegistryError(error, 'UNAUTHORIZED'));
        assert.equal(error.retryable, false);
        assert.equal(error.status, 401);
        assert.match(error.message, /registry 127\.0\.0\.1:\d+ rejected the credentials/);
        assert.doesNotMatch(error.message, /not-the-password|registry-secret/);
        assert.doesNotMatch(JSON.stringify(error), /not-the-password/);
        return true;
      },
    );
  });

  it('no credentials is UNAUTHORIZED and says credentials are required', async () => {
    await assert.rejects(
      newClient().listTags(`${registry.host}/team/app`),
      (error: unknown) =>
        isRegistryError(error, 'UNAUTHORIZED') && /requires credentials/.test(error.message),
    );
  });

  it('an unknown repository is NOT_FOUND', async () => {
    await assert.rejects(
      newClient({ credentials: good() }).listTags(`${registry.host}/team/unknown`),
      (error: unknown) => isRegistryError(error, 'NOT_FOUND') && error.repository === 'team/unknown',
    );
  });

  it('per-call credentials override the client default', async () => {
    const client = newClient({ credentials: wrong() });
    assert.deepEqual(await client.listTags(`${registry.host}/team/app`, { credentials: good() }), [
      '1.0.0',
      '1.1.0',
    ]);
    await assert.rejects(client.listTags(`${registry.host}/team/app`), (e: unknown) =>
      isRegistryError(e, 'UNAUTHORIZED'),
    );
  });
});
