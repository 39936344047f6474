// Build times from the real registry: Docker and OCI manifests, a multi-arch index picked by
// platform, the digest-keyed cache (a re-scan with nothing new makes no manifest or config
// request), tag revalidation, persistence across a restart, and a deleted tag.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  isRegistryError,
  loadMetadataCache,
  RegistryClient,
  saveMetadataCache,
} from '../../registry/index.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { manualClock, requestsBetween, settledRequests } from './helpers.ts';

const day = (n: number) => new Date(Date.UTC(2026, 0, n));

describe('image build times against a real registry', () => {
  let registry: RegistryStack;
  let dir: string;
  const clients: RegistryClient[] = [];
  const clock = manualClock();
  const newClient = (options: ConstructorParameters<typeof RegistryClient>[0] = {}) => {
    const client = new RegistryClient({ now: clock.now, ...options });
    clients.push(client);
    return client;
  };

  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    dir = await mkdtemp(join(tmpdir(), 'tagpilot-registry-cache-'));
  });
  after(async () => {
    for (const client of clients) await client.close();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads created from Docker v2 and OCI manifests', async () => {
    await registry.push.pushImage('formats', 'docker', { created: day(3), format: 'docker' });
    await registry.push.pushImage('formats', 'oci', { created: day(4), format: 'oci' });
    const client = newClient();
    const docker = await client.getImageCreated(`${registry.host}/formats:docker`);
    const oci = await client.getImageCreated(`${registry.host}/formats:oci`);
    assert.deepEqual(docker.created, day(3));
    assert.deepEqual(oci.created, day(4));
    assert.equal(docker.platformDigest, undefined);
    assert.equal(docker.digest, await client.getDigest(`${registry.host}/formats:docker`));
  });

  it('picks the platform of a multi-arch index: amd64 and arm64 have their own created', async () => {
    const pushed = await registry.push.pushIndex(
      'multi',
      ['2026.1'],
      [
        { architecture: 'amd64', created: day(2) },
        { architecture: 'arm64', created: day(20) },
      ],
    );
    await registry.push.pushIndex(
      'multi',
      ['2026.2'],
      [
        { architecture: 'amd64', created: day(10) },
        { architecture: 'arm64', created: day(11) },
      ],
    );
    const client = newClient();
    const image = `${registry.host}/multi`;
    const amd64 = await client.getImageCreated(`${image}:2026.1`);
    const arm64 = await client.getImageCreated(`${image}:2026.1`, { platform: 'linux/arm64' });
    assert.equal(amd64.digest, pushed.digest);
    assert.equal(arm64.digest, pushed.digest);
    assert.deepEqual(amd64.created, day(2));
    assert.deepEqual(arm64.created, day(20));
    assert.notEqual(amd64.platformDigest, arm64.platformDigest);
    // The newest build depends on the platform: 2026.2 on amd64, 2026.1 on arm64.
    const onAmd = await client.getCreatedTimes(image, ['2026.1', '2026.2']);
    const onArm = await client.getCreatedTimes(image, ['2026.1', '2026.2'], { platform: 'linux/arm64' });
    const newest = (m: Map<string, Date>) => [...m].sort((a, b) => b[1].getTime() - a[1].getTime())[0]?.[0];
    assert.equal(newest(onAmd.created), '2026.2');
    assert.equal(newest(onArm.created), '2026.1');
  });

  it('a platform the index does not offer is NOT_FOUND, listing what it offers', async () => {
    await assert.rejects(
      newClient().getImageCreated(`${registry.host}/multi:2026.1`, { platform: 'linux/s390x' }),
      (error: unknown) =>
        isRegistryError(error, 'NOT_FOUND') &&
        /no image for platform linux\/s390x \(offered: linux\/amd64, linux\/arm64\)/.test(error.message),
    );
  });

  it('a re-scan with no new tags makes zero manifest and config requests', async () => {
    for (let i = 1; i <= 6; i++) {
      await registry.push.pushImage('scan', `v${i}`, { created: day(i), labels: { n: String(i) } });
    }
    const client = newClient();
    const image = `${registry.host}/scan`;
    const scan = async () => client.getCreatedTimes(image, await client.listTags(image));

    const start = await settledRequests(registry);
    const first = await scan();
    const afterFirst = await settledRequests(registry);
    const firstMade = requestsBetween(start, afterFirst, 'scan');
    assert.equal(first.created.size, 6);
    assert.deepEqual(first.created.get('v4'), day(4));
    assert.equal(firstMade.manifestGets, 6, firstMade.lines.join('\n'));
    assert.equal(firstMade.manifestHeads, 0);
    assert.equal(firstMade.blobGets, 6);

    const second = await scan();
    const secondMade = requestsBetween(afterFirst, await settledRequests(registry), 'scan');
    assert.deepEqual(second.created, first.created);
    assert.equal(secondMade.tagLists, 1);
    assert.equal(
      secondMade.manifestGets + secondMade.manifestHeads + secondMade.blobGets,
      0,
      secondMade.lines.join('\n'),
    );
  });

  it('a new tag costs one manifest and one config request; the rest stay cached', async () => {
    const client = newClient();
    const image = `${registry.host}/scan`;
    await client.getCreatedTimes(image, await client.listTags(image));
    await registry.push.pushImage('scan', 'v7', { created: day(7), labels: { n: '7' } });
    const start = await settledRequests(registry);
    const result = await client.getCreatedTimes(image, await client.listTags(image));
    const made = requestsBetween(start, await settledRequests(registry), 'scan');
    assert.deepEqual(result.created.get('v7'), day(7));
    assert.deepEqual(
      [made.manifestGets, made.manifestHeads, made.blobGets],
      [1, 0, 1],
      made.lines.join('\n'),
    );
  });

  it('after tagMaxAgeMs tags are revalidated with HEAD only; a moved tag is refetched', async () => {
    const client = newClient({ tagMaxAgeMs: 60_000 });
    const image = `${registry.host}/scan`;
    const tags = await client.listTags(image);
    await client.getCreatedTimes(image, tags);
    // v1 is re-pushed with new content (mutable tag).
    await registry.push.pushImage('scan', 'v1', { created: day(25), labels: { n: 'again' } });

    let start = await settledRequests(registry);
    const fresh = await client.getCreatedTimes(image, tags);
    let made = requestsBetween(start, await settledRequests(registry), 'scan');
    assert.deepEqual(fresh.created.get('v1'), day(1), 'within tagMaxAgeMs the cached digest is trusted');
    assert.equal(made.lines.length, 0);

    clock.advance(60_001);
    start = await settledRequests(registry);
    const revalidated = await client.getCreatedTimes(image, tags);
    made = requestsBetween(start, await settledRequests(registry), 'scan');
    assert.deepEqual(revalidated.created.get('v1'), day(25));
    assert.equal(made.manifestHeads, tags.length);
    assert.deepEqual([made.manifestGets, made.blobGets], [1, 1], made.lines.join('\n'));
  });

  it('a saved cache makes a restarted client scan without manifest or config requests', async () => {
    const path = join(dir, 'metadata.json');
    const image = `${registry.host}/scan`;
    const first = newClient();
    const tags = await first.listTags(image);
    const expected = await first.getCreatedTimes(image, tags);
    await saveMetadataCache(first.cache, path);

    const restarted = newClient({ cache: await loadMetadataCache(path) });
    const start = await settledRequests(registry);
    const result = await restarted.getCreatedTimes(image, tags);
    const made = requestsBetween(start, await settledRequests(registry), 'scan');
    assert.deepEqual(result.created, expected.created);
    assert.equal(made.lines.length, 0, made.lines.join('\n'));
  });

  it('a deleted tag is gone from the list, NOT_FOUND on its digest, and reported apart from the found ones', async () => {
    await registry.push.pushImage('gone', 'keep', { created: day(1), labels: { n: 'keep' } });
    await registry.push.pushImage('gone', 'drop', { created: day(2), labels: { n: 'drop' } });
    const client = newClient();
    const image = `${registry.host}/gone`;
    assert.deepEqual(await client.listTags(image), ['drop', 'keep']);
    await client.getCreatedTimes(image, ['drop', 'keep']);

    await registry.push.deleteTag('gone', 'drop');
    assert.deepEqual(await client.listTags(image), ['keep']);
    await assert.rejects(client.getDigest(`${image}:drop`), (error: unknown) => {
      assert.ok(isRegistryError(error, 'NOT_FOUND'));
      assert.match(error.message, /manifest 127\.0\.0\.1:\d+\/gone:drop: not found \(HTTP 404/);
      return true;
    });
    const result = await client.getCreatedTimes(image, ['keep', 'drop'], { revalidate: true });
    assert.deepEqual([...result.created.keys()], ['keep']);
    assert.deepEqual([...result.notFound.keys()], ['drop']);
  });

  it('where GETs are pulls (Docker Hub), tags of one image cost one manifest GET and a HEAD each', async () => {
    const tags = Array.from({ length: 20 }, (_, i) => `same-${i}`);
    await registry.push.pushImageTags('shared', tags, { created: day(7) });
    const image = `${registry.host}/shared`;
    const scan = async (client: RegistryClient) => {
      const before = await settledRequests(registry);
      const result = await client.getCreatedTimes(image, tags);
      assert.equal(result.created.size, 20);
      return requestsBetween(before, await settledRequests(registry), 'shared');
    };
    const headFirst = await scan(newClient({ headFirst: () => true }));
    assert.deepEqual([headFirst.manifestHeads, headFirst.manifestGets, headFirst.blobGets], [20, 1, 1]);
    const getFirst = await scan(newClient({ headFirst: () => false }));
    assert.deepEqual([getFirst.manifestHeads, getFirst.manifestGets, getFirst.blobGets], [0, 20, 1]);
  });
});
