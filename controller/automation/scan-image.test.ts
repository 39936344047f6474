// The scan pipeline's error semantics, as a table: which registry answers change nothing (and say
// why), which let a newer tag win, and that nothing ever ranks below the current tag.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RegistryErrorCode } from '../../registry/index.ts';
import type { ChooseReason } from '../policy/index.ts';
import { policyFromAnnotations } from '../policy/index.ts';
import { type FakeRepository, fakeScanner } from './fake-scanner.test-support.ts';
import { scanImage } from './scan-image.ts';

const REPO = 'reg.test/flask';
const DEVELOP = {
  'develop-v1.8.0': '2026-01-01T00:00:00Z',
  'develop-v1.9.0': '2026-02-01T00:00:00Z',
  'release-v2.0.0': '2026-03-01T00:00:00Z',
};
const without = (tag: string) => Object.fromEntries(Object.entries(DEVELOP).filter(([t]) => t !== tag));

interface Row {
  name: string;
  filter: string;
  repo: FakeRepository;
  current?: string;
  vanishedCurrent?: 'rank' | 'ignore';
  withDigest?: boolean;
  expected:
    | { failed: RegistryErrorCode; message?: RegExp }
    | { tag: string | undefined; reason: ChooseReason; currentVanished?: boolean; vanished?: string[] };
}

const rows: Row[] = [
  {
    name: 'newest build above the current one: update',
    filter: 'glob:develop-v*',
    repo: { tags: { ...DEVELOP, 'develop-v2.0.0': '2026-04-01T00:00:00Z' } },
    current: 'develop-v1.9.0',
    expected: { tag: 'develop-v2.0.0', reason: 'Newer' },
  },
  {
    name: '429 on the current tag: the scan fails, nothing is chosen',
    filter: 'glob:develop-v*',
    repo: { tags: DEVELOP, createdFails: { 'develop-v1.9.0': 'RATE_LIMITED' } },
    current: 'develop-v1.9.0',
    expected: { failed: 'RATE_LIMITED', message: /manifest reg\.test\/flask:develop-v1\.9\.0: rate limited/ },
  },
  {
    name: '503 while reading a candidate: the scan fails',
    filter: 'glob:develop-v*',
    repo: { tags: DEVELOP, createdFails: { 'develop-v1.8.0': 'UNAVAILABLE' } },
    current: 'develop-v1.9.0',
    expected: { failed: 'UNAVAILABLE' },
  },
  {
    name: 'credentials refused (token realm) while listing: the scan fails',
    filter: 'glob:develop-v*',
    repo: { tags: DEVELOP, listFails: 'UNAUTHORIZED' },
    current: 'develop-v1.9.0',
    expected: { failed: 'UNAUTHORIZED' },
  },
  {
    name: 'a malformed answer for the current tag: the scan fails',
    filter: 'glob:develop-v*',
    repo: { tags: DEVELOP, createdFails: { 'develop-v1.9.0': 'INVALID_RESPONSE' } },
    current: 'develop-v1.9.0',
    expected: { failed: 'INVALID_RESPONSE' },
  },
  {
    name: 'current tag deleted from the registry, newest-build: kept',
    filter: 'glob:develop-v*',
    repo: { tags: without('develop-v1.9.0') },
    current: 'develop-v1.9.0',
    expected: { tag: 'develop-v1.9.0', reason: 'CurrentUnknown', currentVanished: true },
  },
  {
    name: 'current tag deleted but its build time still cached: ranked by it',
    filter: 'glob:develop-v*',
    repo: { tags: without('develop-v1.9.0'), cached: { 'develop-v1.9.0': DEVELOP['develop-v1.9.0'] } },
    current: 'develop-v1.9.0',
    expected: { tag: 'develop-v1.9.0', reason: 'UpToDate', currentVanished: true },
  },
  {
    name: 'current tag listed but not found: an inconsistent registry fails the scan',
    filter: 'glob:develop-v*',
    repo: { tags: DEVELOP, createdFails: { 'develop-v1.9.0': 'NOT_FOUND' } },
    current: 'develop-v1.9.0',
    expected: { failed: 'NOT_FOUND', message: /lists the current tag "develop-v1\.9\.0" but cannot find it/ },
  },
  {
    name: 'a candidate deleted while scanning is skipped',
    filter: 'glob:develop-v*',
    repo: {
      tags: { ...DEVELOP, 'develop-v2.0.0': '2026-04-01T00:00:00Z' },
      createdFails: { 'develop-v2.0.0': 'NOT_FOUND' },
    },
    current: 'develop-v1.8.0',
    expected: { tag: 'develop-v1.9.0', reason: 'Newer', vanished: ['develop-v2.0.0'] },
  },
  {
    name: 'current image without a build time: kept',
    filter: 'glob:develop-v*',
    repo: { tags: { ...DEVELOP, 'develop-v1.9.0': null } },
    current: 'develop-v1.9.0',
    expected: { tag: 'develop-v1.9.0', reason: 'CurrentUnknown' },
  },
  {
    name: 'current tag rejected by the filter is not read; the top wins',
    filter: 'glob:develop-v*',
    repo: { tags: { ...DEVELOP, main: '2026-05-01T00:00:00Z' }, createdFails: { main: 'RATE_LIMITED' } },
    current: 'main',
    expected: { tag: 'develop-v1.9.0', reason: 'CurrentNotOrderable' },
  },
  {
    name: 'semver current deleted: still ranked by its name, nothing below it wins',
    filter: 'semver:^1',
    repo: { tags: { '1.8.0': null } },
    current: '1.9.0',
    expected: { tag: '1.9.0', reason: 'UpToDate', currentVanished: true },
  },
  {
    name: 'semver current deleted: a higher version still wins',
    filter: 'semver:^1',
    repo: { tags: { '1.8.0': null, '1.10.0': null } },
    current: '1.9.0',
    expected: { tag: '1.10.0', reason: 'Newer', currentVanished: true },
  },
  {
    name: 'vanishedCurrent ignore (a changed ImagePolicy spec): the top wins',
    filter: 'glob:develop-v*',
    repo: { tags: without('develop-v1.9.0') },
    current: 'develop-v1.9.0',
    vanishedCurrent: 'ignore',
    expected: { tag: 'develop-v1.8.0', reason: 'NoCurrentTag', currentVanished: true },
  },
  {
    name: 'the digest of the chosen tag cannot be read: the scan fails',
    filter: 'glob:develop-v*',
    repo: { tags: DEVELOP, digestFails: { 'develop-v1.9.0': 'UNAVAILABLE' } },
    current: 'develop-v1.8.0',
    withDigest: true,
    expected: { failed: 'UNAVAILABLE' },
  },
];

describe('scanImage error semantics', () => {
  for (const row of rows) {
    test(row.name, async () => {
      const policy = policyFromAnnotations({ filter: row.filter });
      assert.ok(policy.ok);
      const outcome = await scanImage({
        scanner: fakeScanner({ [REPO]: row.repo }),
        repository: REPO,
        policy: policy.value,
        current: row.current,
        vanishedCurrent: row.vanishedCurrent,
        withDigest: row.withDigest,
      });
      const { expected } = row;
      if ('failed' in expected) {
        assert.equal(outcome.ok, false, 'the scan fails');
        if (outcome.ok) return;
        assert.equal(outcome.code, expected.failed);
        if (expected.message) assert.match(outcome.message, expected.message);
        return;
      }
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
      assert.deepEqual(
        { tag: outcome.result.tag, reason: outcome.result.reason },
        { tag: expected.tag, reason: expected.reason },
      );
      assert.equal(outcome.result.update, expected.tag !== row.current);
      assert.equal(outcome.currentVanished, expected.currentVanished ?? false);
      assert.deepEqual(outcome.vanished, expected.vanished ?? []);
    });
  }
});

describe('scanImage reads only what the ordering needs', () => {
  test('semver reads no build times; newest-build reads candidates and the current tag only', async () => {
    const calls: string[] = [];
    const scanner = fakeScanner({ [REPO]: { tags: { ...DEVELOP, '1.0.0': null, '1.1.0': null } } }, calls);
    const semver = policyFromAnnotations({ filter: 'semver:^1' });
    const glob = policyFromAnnotations({ filter: 'glob:develop-v1.9*' });
    assert.ok(semver.ok && glob.ok);
    await scanImage({ scanner, repository: REPO, policy: semver.value, current: '1.0.0' });
    assert.deepEqual(calls, [`list ${REPO}`]);
    calls.length = 0;
    await scanImage({ scanner, repository: REPO, policy: glob.value, current: 'develop-v1.8.0' });
    assert.deepEqual(calls, [`list ${REPO}`, `created ${REPO}:develop-v1.9.0`]);
  });

  test('errors that are not registry errors are bugs and are thrown', async () => {
    const policy = policyFromAnnotations({ filter: 'glob:*' });
    assert.ok(policy.ok);
    const scanner = fakeScanner({});
    scanner.listTags = async () => {
      throw new TypeError('bug');
    };
    await assert.rejects(scanImage({ scanner, repository: REPO, policy: policy.value }), TypeError);
  });
});
