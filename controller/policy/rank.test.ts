import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { filterTags, rejectionOf } from './candidates.ts';
import { createdMap, policyOf } from './choose.test-support.ts';
import { explainTag, listCandidates } from './rank.ts';

describe('listCandidates: best first', () => {
  const cases = [
    {
      name: 'semver, ties by tag string',
      policy: { filter: 'semver:^1' },
      tags: ['1.0.0', '1.10.0', 'v1.2.0', '1.2.0', '2.0.0', 'latest'],
      created: undefined,
      expected: ['1.10.0', 'v1.2.0', '1.2.0', '1.0.0'],
    },
    {
      name: 'newest build; tags without a build time are left out',
      policy: { filter: 'glob:*' },
      tags: ['a', 'b', 'c', 'd'],
      created: { a: 3, b: 1, c: 2 },
      expected: ['a', 'c', 'b'],
    },
    {
      name: 'numerical desc',
      policy: { spec: { policy: { numerical: { order: 'desc' as const } } } },
      tags: ['10', '9', '100', 'x'],
      created: undefined,
      expected: ['9', '10', '100'],
    },
    {
      name: 'version group, numeric',
      policy: { filter: 'regex:^b(?<version>\\d+)$' },
      tags: ['b2', 'b10', 'b1', 'bx'],
      created: undefined,
      expected: ['b10', 'b2', 'b1'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const policy = policyOf(c.policy);
      const created = c.created && createdMap(c.created);
      const listed = listCandidates({ policy, candidates: filterTags(c.tags, policy), created });
      assert.deepEqual(
        listed.map((t) => t.tag),
        c.expected,
      );
    });
  }

  test('listed tags carry their value and build time', () => {
    const policy = policyOf({
      spec: { policy: { numerical: {} }, filterTags: { pattern: '-(?<n>\\d+)$', extract: '$n' } },
    });
    const created = createdMap({ 'a-1': 1 });
    const [first] = listCandidates({ policy, candidates: filterTags(['a-1'], policy), created });
    assert.equal(first?.value, '1');
    assert.equal(first?.created?.toISOString(), '2024-01-01T00:01:00.000Z');
  });
});

describe('explainTag: why a tag lost', () => {
  const semver = policyOf({ filter: 'semver:^1' });
  const glob = policyOf({ filter: 'glob:develop-*' });
  const spec = policyOf({
    spec: {
      policy: { semver: { range: '>=1.0.0' } },
      filterTags: { pattern: '^app-(?<v>.*)$', extract: '$v' },
      exclude: ['*-debug'],
    },
  });
  const numerical = policyOf({ spec: { policy: { numerical: {} } } });
  const version = policyOf({ filter: 'regex:^b-(?<version>\\d*)' });
  const cases = [
    {
      policy: glob,
      tags: ['develop-1'],
      tag: 'main-1',
      reason: 'NoMatch',
      message: '"main-1" does not match glob "develop-*"',
    },
    {
      policy: glob,
      tags: ['develop-1'],
      tag: 'latest',
      reason: 'Latest',
      message: '"latest" is a candidate only when the glob pattern is exactly "latest"',
    },
    {
      policy: semver,
      tags: ['1.0.0'],
      tag: 'nightly',
      reason: 'NotSemver',
      message: '"nightly" is not a semantic version (MAJOR.MINOR.PATCH, optional leading v)',
    },
    {
      policy: semver,
      tags: ['1.0.0'],
      tag: '2.0.0',
      reason: 'OutOfRange',
      message: '"2.0.0" is outside semver range "^1"',
    },
    {
      policy: semver,
      tags: ['1.0.0'],
      tag: '1.1.0-rc.1',
      reason: 'OutOfRange',
      message:
        '"1.1.0-rc.1" is outside semver range "^1": pre-releases match only when the range names a pre-release of the same major.minor.patch (set includePrerelease to match them all)',
    },
    {
      policy: semver,
      tags: ['1.0.0', '1.2.0'],
      tag: '1.0.0',
      reason: 'Older',
      message: 'ranks below "1.2.0" (1.0.0 vs 1.2.0, semver, highest first)',
    },
    {
      policy: semver,
      tags: ['1.0.0', '1.2.0'],
      tag: '1.2.0',
      reason: 'Best',
      message: 'ranks first (semver, highest first)',
    },
    {
      policy: semver,
      tags: ['1.2.0', 'v1.2.0'],
      tag: '1.2.0',
      reason: 'Tie',
      message:
        'ties with "v1.2.0" (1.2.0 vs 1.2.0, semver, highest first); ties go to the tag that sorts later',
    },
    {
      policy: spec,
      tags: ['app-1.0.0'],
      tag: 'app-1.0.0-debug',
      reason: 'Excluded',
      message: 'excluded by "*-debug"',
    },
    {
      policy: spec,
      tags: ['app-1.0.0'],
      tag: 'web-1.0.0',
      reason: 'FilterTagsMismatch',
      message: 'does not match filterTags pattern "^app-(?<v>.*)$"',
    },
    {
      policy: spec,
      tags: ['app-1.0.0'],
      tag: 'app-',
      reason: 'EmptyExtract',
      message: 'filterTags extract "$v" gives an empty value',
    },
    {
      policy: spec,
      tags: ['app-1.0.0'],
      tag: 'app-one',
      reason: 'NotSemver',
      message: '"one" (from tag "app-one") is not a semantic version (MAJOR.MINOR.PATCH, optional leading v)',
    },
    {
      policy: numerical,
      tags: ['1'],
      tag: 'v2',
      reason: 'NotANumber',
      message: '"v2" is not a number, and the ordering is numerical',
    },
    {
      policy: version,
      tags: ['b-1'],
      tag: 'b-x',
      reason: 'NoVersionCapture',
      message: 'the (?<version>) group of the regex captured nothing in "b-x"',
    },
    {
      policy: glob,
      tags: ['develop-1'],
      tag: 'develop-2',
      reason: 'MissingMetadata',
      message: 'its build time is unknown, and newest-build ordering needs it',
    },
  ];
  for (const c of cases) {
    test(`${c.reason}: ${c.tag}`, () => {
      const verdict = explainTag({ policy: c.policy, candidates: filterTags(c.tags, c.policy), tag: c.tag });
      assert.deepEqual(verdict, { tag: c.tag, reason: c.reason, message: c.message });
    });
  }

  test('a known best skips the scan and gives the same verdict', () => {
    const candidates = filterTags(['1.0.0', '1.2.0'], semver);
    const [best] = listCandidates({ policy: semver, candidates });
    const verdict = explainTag({ policy: semver, candidates, tag: '1.0.0', best });
    assert.deepEqual(verdict, {
      tag: '1.0.0',
      reason: 'Older',
      message: 'ranks below "1.2.0" (1.0.0 vs 1.2.0, semver, highest first)',
    });
  });

  test('rejectionOf is undefined for a candidate and explains a reject', () => {
    assert.equal(rejectionOf('1.0.0', semver), undefined);
    assert.deepEqual(rejectionOf('2.0.0', semver), {
      tag: '2.0.0',
      reason: 'OutOfRange',
      message: '"2.0.0" is outside semver range "^1"',
    });
  });
});
