import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isRegistryError } from './errors.ts';
import { loadMetadataCache, MetadataCache, saveMetadataCache, tagKey } from './metadata-cache.ts';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('MetadataCache', () => {
  test('images are keyed by digest, index platforms by digest and platform', () => {
    const cache = new MetadataCache();
    cache.setImage(D('1'), undefined, { created: 1 });
    cache.setImage(D('2'), 'linux/arm64', { created: 2, platformDigest: D('3') });
    assert.deepEqual(cache.getImage(D('1'), 'linux/arm64'), { created: 1 });
    assert.deepEqual(cache.getImage(D('1')), { created: 1 });
    assert.deepEqual(cache.getImage(D('2'), 'linux/arm64'), { created: 2, platformDigest: D('3') });
    assert.equal(cache.getImage(D('2'), 'linux/amd64'), undefined);
    assert.equal(cache.getImage(D('2')), undefined);
  });

  test('is bounded per map and evicts the least recently used', () => {
    const cache = new MetadataCache({ maxTags: 2, maxImages: 2 });
    cache.setTag('a', { digest: D('a'), checkedAt: 1 });
    cache.setTag('b', { digest: D('b'), checkedAt: 1 });
    cache.getTag('a');
    cache.setTag('c', { digest: D('c'), checkedAt: 1 });
    assert.equal(cache.getTag('b'), undefined);
    assert.ok(cache.getTag('a'));
    assert.ok(cache.getTag('c'));
    for (const c of ['1', '2', '3']) cache.setImage(D(c), undefined, { created: 0 });
    assert.deepEqual(cache.size, { tags: 2, images: 2 });
    assert.equal(cache.getImage(D('1')), undefined);
  });

  test('round-trips through JSON, keeping the LRU order', () => {
    const cache = new MetadataCache();
    cache.setTag(tagKey('r.example', 'app', '1'), { digest: D('1'), checkedAt: 10 });
    cache.setTag(tagKey('r.example', 'app', '2'), { digest: D('2'), checkedAt: 20 });
    cache.setImage(D('1'), undefined, { created: null });
    cache.setImage(D('2'), 'linux/amd64', { created: 5, platformDigest: D('3') });
    const copy = MetadataCache.fromJSON(JSON.parse(JSON.stringify(cache)), { maxTags: 1 });
    assert.equal(copy.getTag('r.example/app:1'), undefined, 'the older tag is evicted by the smaller bound');
    assert.deepEqual(copy.getTag('r.example/app:2'), { digest: D('2'), checkedAt: 20 });
    assert.deepEqual(copy.getImage(D('1')), { created: null });
    assert.deepEqual(copy.getImage(D('2'), 'linux/amd64'), { created: 5, platformDigest: D('3') });
  });

  test('fromJSON rejects other shapes', () => {
    assert.throws(
      () => MetadataCache.fromJSON({ version: 2, tags: [], images: [] }),
      (e: unknown) => isRegistryError(e, 'INVALID_CONFIG'),
    );
  });
});

describe('loadMetadataCache / saveMetadataCache', () => {
  test('save then load gives the same entries; a missing file gives an empty cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagpilot-cache-'));
    try {
      const path = join(dir, 'sub', 'cache.json');
      assert.deepEqual((await loadMetadataCache(path)).size, { tags: 0, images: 0 });
      const cache = new MetadataCache();
      cache.setTag('k', { digest: D('1'), checkedAt: 1 });
      cache.setImage(D('1'), undefined, { created: 42 });
      await saveMetadataCache(cache, path);
      const loaded = await loadMetadataCache(path);
      assert.deepEqual(loaded.toJSON(), cache.toJSON());
      assert.equal(JSON.parse(await readFile(path, 'utf8')).version, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a corrupt file is INVALID_CONFIG, not an empty cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagpilot-cache-'));
    try {
      const path = join(dir, 'cache.json');
      await writeFile(path, '{"version":1,');
      await assert.rejects(loadMetadataCache(path), (e: unknown) => isRegistryError(e, 'INVALID_CONFIG'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
