// The per-scan budget of newest-build ordering: at most N build times of tags not seen before per
// scan, versions first, the rest carried to later scans; a provisional choice never goes below the
// current tag, and the scans converge to the true newest build.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { policyFromAnnotations } from '../policy/index.ts';
import { fakeScanner } from './fake-scanner.test-support.ts';
import type { ImageScanner } from './image-scanner.ts';
import { scanImage } from './scan-image.ts';

const REPO = 'reg.test/app';

/** A fake registry whose metadata cache learns every tag read, like the registry client's. */
function cachingScanner(tags: Record<string, string>, budget: number, reads: string[]): ImageScanner {
  const base = fakeScanner({ [REPO]: { tags } });
  const known = new Set<string>();
  return {
    ...base,
    buildTimeBudget: budget,
    knownTags: (_repository, names) => new Set(names.filter((tag) => known.has(tag))),
    createdTimes: async (repository, names) => {
      for (const tag of names) if (!known.has(tag)) reads.push(tag);
      for (const tag of names) known.add(tag);
      return base.createdTimes(repository, names);
    },
  };
}

const minute = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();
const policy = () => {
  const p = policyFromAnnotations({ filter: 'glob:*' });
  assert.ok(p.ok);
  return p.value;
};

test('reads at most the budget of new tags per scan, versions first, and converges upward', async () => {
  // 25 tags: build-00..build-19 (not versions; build-07 is the newest build), 1.0.0..1.4.0.
  const tags: Record<string, string> = {};
  for (let i = 0; i < 20; i++) tags[`build-${String(i).padStart(2, '0')}`] = minute(i === 7 ? 500 : i);
  for (let i = 0; i < 5; i++) tags[`1.${i}.0`] = minute(100 + i);
  const reads: string[] = [];
  const scanner = cachingScanner(tags, 4, reads);
  let current: string | undefined;
  const chosen: string[] = [];
  let scans = 0;
  for (; scans < 20; scans++) {
    const before = reads.length;
    const scan = await scanImage({ scanner, repository: REPO, policy: policy(), current });
    assert.ok(scan.ok);
    assert.ok(reads.length - before <= 4, `scan ${scans + 1} read ${reads.length - before} new tags`);
    if (scans === 0) {
      assert.deepEqual(
        [...reads].sort(),
        ['1.1.0', '1.2.0', '1.3.0', '1.4.0'],
        'versions first, highest first',
      );
      assert.equal(scan.provisional, true);
      assert.equal(scan.deferred, 21);
    }
    const tag = scan.result.tag;
    assert.ok(tag !== undefined);
    if (current !== undefined)
      assert.ok((tags[tag] ?? '') >= (tags[current] ?? ''), `${tag} is older than ${current}`);
    current = tag;
    chosen.push(tag);
    if (!scan.provisional) break;
  }
  assert.equal(current, 'build-07');
  assert.equal(scans + 1, Math.ceil(25 / 4), `converged after ${scans + 1} scans: ${chosen.join(' ')}`);
  assert.equal(new Set(reads).size, reads.length, 'no tag read twice');
  const again = await scanImage({ scanner, repository: REPO, policy: policy(), current });
  assert.ok(again.ok && !again.provisional);
  assert.equal(again.result.reason, 'UpToDate');
});

test('a budget of 0 reads every candidate in one scan', async () => {
  const tags = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`t${i}`, minute(i)]));
  const reads: string[] = [];
  const scan = await scanImage({
    scanner: cachingScanner(tags, 0, reads),
    repository: REPO,
    policy: policy(),
  });
  assert.ok(scan.ok);
  assert.equal(reads.length, 30);
  assert.equal(scan.provisional, false);
  assert.equal(scan.result.tag, 't29');
});

test('the current tag is read outside the budget, so a provisional scan never goes below it', async () => {
  const tags = { a: minute(1), b: minute(2), c: minute(3), current: minute(50), z: minute(60) };
  const reads: string[] = [];
  const scan = await scanImage({
    scanner: cachingScanner(tags, 1, reads),
    repository: REPO,
    policy: policy(),
    current: 'current',
  });
  assert.ok(scan.ok);
  assert.deepEqual(reads, ['a', 'current']);
  assert.equal(scan.provisional, true);
  assert.equal(scan.result.tag, 'current');
  assert.equal(scan.result.update, false);
});
