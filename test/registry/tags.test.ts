// Listing tags from the real distribution registry: pagination over 2,500 tags, the caps, and the
// errors a user sees for an unknown repository.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isRegistryError, RegistryClient } from '../../registry/index.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { requestsBetween, settledRequests } from './helpers.ts';

const TAG_COUNT = 2500;
const tags = Array.from({ length: TAG_COUNT }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`);

describe('listTags against a real registry (anonymous)', () => {
  let registry: RegistryStack;
  let client: RegistryClient;
  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    await registry.push.pushManyTags('team/many', tags, 32);
    await registry.push.pushImage('team/few', ['b', 'a', 'c']);
    client = new RegistryClient();
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('lists 2,500 tags in one request: the first page asks for n=10000', async () => {
    const beforeLines = await settledRequests(registry);
    const listed = await client.listTags(`${registry.host}/team/many`);
    assert.equal(listed.length, TAG_COUNT);
    assert.deepEqual([...listed].sort(), [...tags].sort());
    const made = requestsBetween(beforeLines, await settledRequests(registry), 'team/many');
    assert.equal(made.tagLists, 1, made.lines.join('\n'));
    assert.ok(made.lines[0]?.startsWith('GET /v2/team/many/tags/list?n=10000 200'));
  });

  it('lists 2,500 tags across 3 pages of 1,000 following Link rel="next"', async () => {
    const beforeLines = await settledRequests(registry);
    const listed = await client.listTags(`${registry.host}/team/many`, { pageSize: 1000 });
    assert.equal(listed.length, TAG_COUNT);
    assert.deepEqual([...listed].sort(), [...tags].sort());
    assert.equal(new Set(listed).size, TAG_COUNT);
    const made = requestsBetween(beforeLines, await settledRequests(registry), 'team/many');
    assert.equal(made.tagLists, 3, made.lines.join('\n'));
    assert.ok(made.lines[0]?.startsWith('GET /v2/team/many/tags/list?n=1000 200'));
  });

  it('follows 25 pages with pageSize 100', async () => {
    const beforeLines = await settledRequests(registry);
    const listed = await client.listTags(`${registry.host}/team/many`, { pageSize: 100 });
    assert.equal(listed.length, TAG_COUNT);
    const made = requestsBetween(beforeLines, await settledRequests(registry), 'team/many');
    assert.equal(made.tagLists, 25);
  });

  it('stops with TOO_MANY_TAGS when the page cap is reached', async () => {
    await assert.rejects(
      client.listTags(`${registry.host}/team/many`, { pageSize: 1000, maxPages: 2 }),
      (error: unknown) => {
        assert.ok(isRegistryError(error, 'TOO_MANY_TAGS'));
        assert.match(error.message, /more than 2 pages/);
        assert.equal(error.retryable, false);
        return true;
      },
    );
  });

  it('stops with TOO_MANY_TAGS when the tag cap is exceeded', async () => {
    await assert.rejects(
      client.listTags(`${registry.host}/team/many`, { maxTags: 1500 }),
      (error: unknown) =>
        isRegistryError(error, 'TOO_MANY_TAGS') && /more than 1500 tags/.test(error.message),
    );
  });

  it('lists a small repository in one request', async () => {
    assert.deepEqual(await client.listTags(`${registry.host}/team/few`), ['a', 'b', 'c']);
  });

  it('an unknown repository is NOT_FOUND, naming it, and not retryable', async () => {
    await assert.rejects(client.listTags(`${registry.host}/team/nope`), (error: unknown) => {
      assert.ok(isRegistryError(error, 'NOT_FOUND'));
      assert.equal(error.retryable, false);
      assert.equal(error.repository, 'team/nope');
      assert.match(error.message, /team\/nope: not found \(HTTP 404, NAME_UNKNOWN/);
      return true;
    });
  });

  it('a malformed reference is INVALID_REFERENCE before any request', async () => {
    await assert.rejects(client.listTags(`${registry.host}/Team/App`), (error: unknown) =>
      isRegistryError(error, 'INVALID_REFERENCE'),
    );
  });
});
