import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { filterTags } from './candidates.ts';
import { type ChooseReason, chooseLatestTag } from './choose.ts';
import type { AnnotationPolicy, TagPolicy } from './policy.ts';
import type { ImagePolicyRules } from './spec.ts';
import { choose, createdMap, policyOf } from './test-helpers.ts';

interface Case {
  readonly name: string;
  readonly policy: AnnotationPolicy | { readonly spec: ImagePolicyRules };
  readonly tags: readonly string[];
  readonly current?: string;
  /** Build times in minutes after a fixed epoch. */
  readonly created?: Readonly<Record<string, number>>;
  readonly expected: { readonly tag: string | undefined; readonly reason: ChooseReason };
}

const glob: Case[] = [
  {
    name: 'glob orders by newest build, not by name',
    policy: { filter: 'glob:develop-v*' },
    tags: ['develop-v1.9.0', 'develop-v1.10.0', 'master-v2'],
    current: 'develop-v1.10.0',
    created: { 'develop-v1.9.0': 20, 'develop-v1.10.0': 10, 'master-v2': 30 },
    expected: { tag: 'develop-v1.9.0', reason: 'Newer' },
  },
  {
    name: 'glob:* is any tag but never latest',
    policy: { filter: 'glob:*' },
    tags: ['latest', '1.0', '0.9'],
    current: '0.9',
    created: { latest: 99, '1.0': 5, '0.9': 1 },
    expected: { tag: '1.0', reason: 'Newer' },
  },
  {
    name: 'glob:latest is the one way to follow latest',
    policy: { filter: 'glob:latest' },
    tags: ['latest', '1.0'],
    created: { latest: 1, '1.0': 5 },
    expected: { tag: 'latest', reason: 'NoCurrentTag' },
  },
  {
    name: 'a value without prefix is a glob (Flux v1)',
    policy: { filter: 'develop-*' },
    tags: ['develop-1', 'main-2'],
    created: { 'develop-1': 1, 'main-2': 2 },
    expected: { tag: 'develop-1', reason: 'NoCurrentTag' },
  },
  {
    name: 'missing tag annotation means glob:*',
    policy: {},
    tags: ['a', 'b', 'latest'],
    created: { a: 2, b: 1, latest: 3 },
    expected: { tag: 'a', reason: 'NoCurrentTag' },
  },
  {
    name: 'glob ? is exactly one character',
    policy: { filter: 'glob:v?' },
    tags: ['v1', 'v10'],
    created: { v1: 1, v10: 2 },
    expected: { tag: 'v1', reason: 'NoCurrentTag' },
  },
  {
    name: 'glob braces are alternatives',
    policy: { filter: 'glob:{main,release}-*' },
    tags: ['main-1', 'release-2', 'dev-3'],
    created: { 'main-1': 1, 'release-2': 2, 'dev-3': 3 },
    expected: { tag: 'release-2', reason: 'NoCurrentTag' },
  },
  {
    name: 'glob brackets are a character class',
    policy: { filter: 'glob:build-[0-4]' },
    tags: ['build-3', 'build-7'],
    created: { 'build-3': 1, 'build-7': 2 },
    expected: { tag: 'build-3', reason: 'NoCurrentTag' },
  },
  {
    name: 'glob matches the whole tag',
    policy: { filter: 'glob:develop' },
    tags: ['develop-1', 'my-develop'],
    created: { 'develop-1': 1, 'my-develop': 2 },
    expected: { tag: undefined, reason: 'NoMatchingTag' },
  },
  {
    name: 'candidates without a build time are not chosen',
    policy: { filter: 'glob:*' },
    tags: ['old', 'unknown'],
    created: { old: 1 },
    expected: { tag: 'old', reason: 'NoCurrentTag' },
  },
  {
    name: 'no build time for any candidate: no winner',
    policy: { filter: 'glob:*' },
    tags: ['a', 'b'],
    current: 'a',
    expected: { tag: undefined, reason: 'MissingMetadata' },
  },
  {
    name: 'same build time: the later tag string wins',
    policy: { filter: 'glob:*' },
    tags: ['1.0-a', '1.0-c', '1.0-b'],
    created: { '1.0-a': 5, '1.0-c': 5, '1.0-b': 5 },
    expected: { tag: '1.0-c', reason: 'NoCurrentTag' },
  },
  {
    name: 'same build time as current: stay',
    policy: { filter: 'glob:*' },
    tags: ['1.0-a', '1.0-c'],
    current: '1.0-a',
    created: { '1.0-a': 5, '1.0-c': 5 },
    expected: { tag: '1.0-a', reason: 'UpToDate' },
  },
  {
    name: 'current without a build time cannot be ordered: top wins',
    policy: { filter: 'glob:*' },
    tags: ['a', 'b'],
    current: 'gone',
    created: { a: 1, b: 2 },
    expected: { tag: 'b', reason: 'CurrentNotOrderable' },
  },
  {
    name: 'current built later than every candidate: never downgrade',
    policy: { filter: 'glob:*' },
    tags: ['a', 'b'],
    current: 'vanished',
    created: { a: 1, b: 2, vanished: 3 },
    expected: { tag: 'vanished', reason: 'UpToDate' },
  },
  {
    name: 'sort newest-build:desc picks the oldest build',
    policy: { filter: 'glob:*', sort: 'newest-build:desc' },
    tags: ['a', 'b', 'c'],
    created: { a: 2, b: 1, c: 3 },
    expected: { tag: 'b', reason: 'NoCurrentTag' },
  },
  {
    name: 'sort newest-build:asc is the default',
    policy: { filter: 'glob:*', sort: 'newest-build:asc' },
    tags: ['a', 'b', 'c'],
    created: { a: 2, b: 1, c: 3 },
    expected: { tag: 'c', reason: 'NoCurrentTag' },
  },
  {
    name: 'sort semver with a glob: only semver tags are ranked',
    policy: { filter: 'glob:*', sort: 'semver' },
    tags: ['1.9.0', '1.10.0', 'nightly'],
    expected: { tag: '1.10.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'sort numerical with a glob: only numeric tags are ranked',
    policy: { filter: 'glob:[0-9]*', sort: 'numerical' },
    tags: ['9', '10', '1x', 'a1'],
    expected: { tag: '10', reason: 'NoCurrentTag' },
  },
  {
    name: 'sort numerical with a glob matching no numbers: no winner',
    policy: { filter: 'glob:build-*', sort: 'numerical' },
    tags: ['build-9', 'build-10'],
    expected: { tag: undefined, reason: 'NoMatchingTag' },
  },
  {
    name: 'sort alphabetical:desc picks the first string',
    policy: { filter: 'glob:*', sort: 'alphabetical:desc' },
    tags: ['b', 'a', 'c'],
    expected: { tag: 'a', reason: 'NoCurrentTag' },
  },
];

const semver: Case[] = [
  {
    name: 'semver picks the highest in range',
    policy: { filter: 'semver:^1.0' },
    tags: ['1.0.0', '1.9.0', '1.10.0', '2.0.0', 'latest', 'foo'],
    current: '1.0.0',
    expected: { tag: '1.10.0', reason: 'Newer' },
  },
  {
    name: 'semver accepts a leading v',
    policy: { filter: 'semver:>=1.0.0' },
    tags: ['v1.2.0', '1.1.0', 'v1.10.0'],
    current: 'v1.2.0',
    expected: { tag: 'v1.10.0', reason: 'Newer' },
  },
  {
    name: 'semver skips pre-releases by default',
    policy: { filter: 'semver:^1.0.0' },
    tags: ['1.0.0', '1.1.0-rc.1'],
    current: '1.0.0',
    expected: { tag: '1.0.0', reason: 'UpToDate' },
  },
  {
    name: 'a range naming a pre-release admits pre-releases of that version only',
    policy: { filter: 'semver:>=1.2.0-rc.1' },
    tags: ['1.2.0-rc.1', '1.2.0-rc.2', '1.3.0-rc.1'],
    current: '1.2.0-rc.1',
    expected: { tag: '1.2.0-rc.2', reason: 'Newer' },
  },
  {
    name: 'includePrerelease admits every pre-release in range',
    policy: { spec: { policy: { semver: { range: '^1.0.0', includePrerelease: true } } } },
    tags: ['1.0.0', '1.1.0-rc.1', '2.0.0-rc.1'],
    current: '1.0.0',
    expected: { tag: '1.1.0-rc.1', reason: 'Newer' },
  },
  {
    name: 'a release ranks above its pre-releases',
    policy: { spec: { policy: { semver: { range: '*', includePrerelease: true } } } },
    tags: ['1.1.0-rc.9', '1.1.0', '1.1.0-rc.10'],
    expected: { tag: '1.1.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'equal versions: the later tag string wins among candidates',
    policy: { filter: 'semver:^1' },
    tags: ['1.0.0', 'v1.0.0', '1.0.0+build.1'],
    expected: { tag: 'v1.0.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'equal version to current: stay, no churn between v1.0.0 and 1.0.0',
    policy: { filter: 'semver:^1' },
    tags: ['1.0.0', 'v1.0.0'],
    current: '1.0.0',
    expected: { tag: '1.0.0', reason: 'UpToDate' },
  },
  {
    name: 'current out of range after a policy change: top wins',
    policy: { filter: 'semver:^1' },
    tags: ['1.4.0', '2.1.0'],
    current: '2.1.0',
    expected: { tag: '1.4.0', reason: 'CurrentNotOrderable' },
  },
  {
    name: 'current not in the list but newer: never downgrade',
    policy: { filter: 'semver:^1' },
    tags: ['1.4.0', '1.5.0'],
    current: '1.9.0',
    expected: { tag: '1.9.0', reason: 'UpToDate' },
  },
  {
    name: 'current not in the list and older: update',
    policy: { filter: 'semver:^1' },
    tags: ['1.4.0', '1.5.0'],
    current: '1.0.5',
    expected: { tag: '1.5.0', reason: 'Newer' },
  },
  {
    name: 'current latest is not orderable: top wins',
    policy: { filter: 'semver:*' },
    tags: ['latest', '0.1.0'],
    current: 'latest',
    expected: { tag: '0.1.0', reason: 'CurrentNotOrderable' },
  },
  {
    name: 'sort semver:desc picks the lowest in range',
    policy: { filter: 'semver:^1', sort: 'semver:desc' },
    tags: ['1.0.1', '1.0.0', '1.2.0'],
    expected: { tag: '1.0.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'sort alphabetical with a semver filter orders strings',
    policy: { filter: 'semver:^1', sort: 'alphabetical' },
    tags: ['1.9.0', '1.10.0'],
    expected: { tag: '1.9.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'sort newest-build with a semver filter',
    policy: { filter: 'semver:^1', sort: 'newest-build' },
    tags: ['1.9.0', '1.10.0'],
    created: { '1.9.0': 2, '1.10.0': 1 },
    expected: { tag: '1.9.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'no tag in range',
    policy: { filter: 'semver:^3' },
    tags: ['1.0.0', '2.0.0'],
    current: '2.0.0',
    expected: { tag: undefined, reason: 'NoMatchingTag' },
  },
];

const regex: Case[] = [
  {
    name: 'regex is unanchored and orders by newest build',
    policy: { filter: 'regex:rc' },
    tags: ['1.0-rc1', 'rc2-x', '1.0'],
    created: { '1.0-rc1': 1, 'rc2-x': 2, '1.0': 3 },
    expected: { tag: 'rc2-x', reason: 'NoCurrentTag' },
  },
  {
    name: 'regex anchored with ^ and $',
    policy: { filter: 'regex:^v\\d+$' },
    tags: ['v1', 'v2-beta', 'xv3'],
    created: { v1: 1, 'v2-beta': 2, xv3: 3 },
    expected: { tag: 'v1', reason: 'NoCurrentTag' },
  },
  {
    name: 'regexp: is an alias',
    policy: { filter: 'regexp:^main-' },
    tags: ['main-a', 'dev-b'],
    created: { 'main-a': 1, 'dev-b': 2 },
    expected: { tag: 'main-a', reason: 'NoCurrentTag' },
  },
  {
    name: 'version group orders numerically when every capture is a number',
    policy: { filter: 'regex:^build-(?<version>\\d+)$' },
    tags: ['build-9', 'build-10', 'build-2'],
    current: 'build-9',
    expected: { tag: 'build-10', reason: 'Newer' },
  },
  {
    name: 'version group orders alphabetically when a capture is not a number',
    policy: { filter: 'regex:^r-(?<version>.+)$' },
    tags: ['r-9', 'r-10', 'r-x'],
    expected: { tag: 'r-x', reason: 'NoCurrentTag' },
  },
  {
    name: "Go's (?P<version>) is accepted",
    policy: { filter: 'regex:^b(?P<version>\\d+)' },
    tags: ['b9', 'b10'],
    expected: { tag: 'b10', reason: 'NoCurrentTag' },
  },
  {
    name: 'version group with sort numerical:desc',
    policy: { filter: 'regex:^build-(?<version>\\d+)$', sort: 'numerical:desc' },
    tags: ['build-9', 'build-10', 'build-2'],
    expected: { tag: 'build-2', reason: 'NoCurrentTag' },
  },
  {
    name: 'version group with sort semver orders the capture as semver',
    policy: { filter: 'regex:^app-(?<version>.*)$', sort: 'semver' },
    tags: ['app-1.9.0', 'app-1.10.0', 'app-x'],
    expected: { tag: 'app-1.10.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'current whose capture is not a number, among numeric captures: top wins',
    policy: { filter: 'regex:^build-(?<version>.+)$' },
    tags: ['build-9', 'build-10'],
    current: 'build-abc',
    expected: { tag: 'build-10', reason: 'CurrentNotOrderable' },
  },
  {
    name: 'version group: current higher than every candidate stays',
    policy: { filter: 'regex:^build-(?<version>\\d+)$' },
    tags: ['build-9', 'build-10'],
    current: 'build-11',
    expected: { tag: 'build-11', reason: 'UpToDate' },
  },
];

const spec: Case[] = [
  {
    name: 'numerical: 10 ranks above 9',
    policy: { spec: { policy: { numerical: {} } } },
    tags: ['9', '10', '1'],
    current: '9',
    expected: { tag: '10', reason: 'Newer' },
  },
  {
    name: 'alphabetical: 9 ranks above 10',
    policy: { spec: { policy: { alphabetical: {} } } },
    tags: ['9', '10', '1'],
    current: '10',
    expected: { tag: '9', reason: 'Newer' },
  },
  {
    name: 'numerical desc picks the lowest',
    policy: { spec: { policy: { numerical: { order: 'desc' } } } },
    tags: ['9', '10', '-1', '1.5'],
    expected: { tag: '-1', reason: 'NoCurrentTag' },
  },
  {
    name: 'alphabetical desc picks the first string',
    policy: { spec: { policy: { alphabetical: { order: 'desc' } } } },
    tags: ['beta', 'alpha', 'gamma'],
    expected: { tag: 'alpha', reason: 'NoCurrentTag' },
  },
  {
    name: 'alphabetical is byte order: upper case sorts before lower case',
    policy: { spec: { policy: { alphabetical: {} } } },
    tags: ['Zeta', 'alpha'],
    expected: { tag: 'alpha', reason: 'NoCurrentTag' },
  },
  {
    name: 'numerical skips tags that are not numbers',
    policy: { spec: { policy: { numerical: {} } } },
    tags: ['3', 'v4', '2.5', 'latest', '1e9'],
    expected: { tag: '3', reason: 'NoCurrentTag' },
  },
  {
    name: 'numerical equal values: the later tag string wins (7 over 007)',
    policy: { spec: { policy: { numerical: {} } } },
    tags: ['007', '7', '7.0'],
    expected: { tag: '7.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'numerical is exact beyond 2^53',
    policy: { spec: { policy: { numerical: {} } } },
    tags: ['20240131235959123456', '20240131235959123457', '9007199254740993'],
    expected: { tag: '20240131235959123457', reason: 'NoCurrentTag' },
  },
  {
    name: 'filterTags + extract orders the extracted timestamp (Flux v2 example)',
    policy: {
      spec: {
        policy: { numerical: {} },
        filterTags: { pattern: '^main-[a-f0-9]+-(?P<ts>[0-9]+)', extract: '$ts' },
      },
    },
    tags: ['main-abc123-1700000009', 'main-def456-1700000010', 'dev-fff-1800000000', 'main-zzz-1900000000'],
    current: 'main-abc123-1700000009',
    expected: { tag: 'main-def456-1700000010', reason: 'Newer' },
  },
  {
    name: 'filterTags extract feeds semver',
    policy: {
      spec: {
        policy: { semver: { range: '^1' } },
        filterTags: { pattern: '^release-(?<v>.+)$', extract: '$v' },
      },
    },
    tags: ['release-1.2.0', 'release-1.10.0', 'release-2.0.0', '1.99.0'],
    expected: { tag: 'release-1.10.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'filterTags without extract only filters',
    policy: { spec: { policy: { semver: { range: '*' } }, filterTags: { pattern: '^v' } } },
    tags: ['v1.0.0', '2.0.0'],
    expected: { tag: 'v1.0.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'filterTags extract: equal extracted values break ties by tag',
    policy: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Go-style extract template, not a JS one
      spec: { policy: { numerical: {} }, filterTags: { pattern: '-(?<n>\\d+)$', extract: '${n}' } },
    },
    tags: ['a-5', 'c-5', 'b-5'],
    expected: { tag: 'c-5', reason: 'NoCurrentTag' },
  },
  {
    name: 'exclude drops matching tags',
    policy: { spec: { policy: { semver: { range: '*', includePrerelease: true } }, exclude: ['*-rc*'] } },
    tags: ['1.0.0', '1.1.0-rc.1', '1.1.0-beta'],
    expected: { tag: '1.1.0-beta', reason: 'NoCurrentTag' },
  },
  {
    name: 'excluded current is not orderable: top wins',
    policy: { spec: { policy: { semver: { range: '*', includePrerelease: true } }, exclude: ['*-rc*'] } },
    tags: ['1.0.0', '1.1.0-rc.1'],
    current: '1.1.0-rc.1',
    expected: { tag: '1.0.0', reason: 'CurrentNotOrderable' },
  },
  {
    name: 'spec glob orders by newest build',
    policy: { spec: { policy: { glob: { pattern: 'main-*' } } } },
    tags: ['main-a', 'main-b'],
    created: { 'main-a': 2, 'main-b': 1 },
    expected: { tag: 'main-a', reason: 'NoCurrentTag' },
  },
  {
    name: 'spec glob latest follows latest',
    policy: { spec: { policy: { glob: { pattern: 'latest' } } } },
    tags: ['latest'],
    current: 'latest',
    created: { latest: 1 },
    expected: { tag: 'latest', reason: 'UpToDate' },
  },
  {
    name: 'spec regex with version group',
    policy: { spec: { policy: { regex: { pattern: '^(?<version>\\d+)-' } } } },
    tags: ['9-a', '10-b'],
    expected: { tag: '10-b', reason: 'NoCurrentTag' },
  },
  {
    name: 'spec newestBuild',
    policy: { spec: { policy: { newestBuild: {} } } },
    tags: ['x', 'y', 'latest'],
    current: 'x',
    created: { x: 1, y: 2, latest: 3 },
    expected: { tag: 'y', reason: 'Newer' },
  },
  {
    name: 'numerical ignores latest even though nothing else filters',
    policy: { spec: { policy: { alphabetical: {} } } },
    tags: ['latest', 'abc'],
    expected: { tag: 'abc', reason: 'NoCurrentTag' },
  },
  {
    name: 'empty tag list',
    policy: { spec: { policy: { numerical: {} } } },
    tags: [],
    current: '1',
    expected: { tag: undefined, reason: 'NoMatchingTag' },
  },
];

for (const [group, cases] of Object.entries({ glob, semver, regex, spec })) {
  describe(`chooseLatestTag: ${group}`, () => {
    for (const c of cases) {
      test(c.name, () => {
        const policy = policyOf(c.policy);
        const result = choose(policy, c.tags, c.current, c.created && createdMap(c.created));
        assert.deepEqual({ tag: result.tag, reason: result.reason }, c.expected, result.message);
        assert.equal(result.update, c.expected.tag !== undefined && c.expected.tag !== c.current);
      });
    }
  });
}

describe('chooseLatestTag: result details', () => {
  test('counts candidates and those missing a build time', () => {
    const result = choose(
      policyOf({ filter: 'glob:*' }),
      ['a', 'b', 'c', 'latest'],
      'a',
      createdMap({ a: 1, b: 2 }),
    );
    assert.equal(result.candidates, 3);
    assert.equal(result.missingMetadata, 1);
    assert.equal(result.tag, 'b');
  });

  test('messages name the winner, the current tag and the ordering', () => {
    const result = choose(policyOf({ filter: 'semver:^1' }), ['1.0.0', 'v1.2.0'], '1.0.0');
    assert.equal(
      result.message,
      '"v1.2.0" (1.2.0) ranks above current "1.0.0" (1.0.0) (semver, highest first)',
    );
  });

  test('never downgrading is said in the message', () => {
    const result = choose(policyOf({ filter: 'semver:^1' }), ['1.0.0'], '1.5.0');
    assert.match(result.message, /never downgrading/);
  });

  test('a current tag outside the filter is explained', () => {
    const result = choose(
      policyOf({ filter: 'glob:main-*' }),
      ['main-1'],
      'dev-1',
      createdMap({ 'main-1': 1 }),
    );
    assert.equal(
      result.message,
      'current "dev-1" cannot be ordered under this policy ("dev-1" does not match glob "main-*"); "main-1" (2024-01-01T00:01:00.000Z) wins',
    );
  });

  test('no match names the filter and the ordering that rejected the rest', () => {
    const result = choose(policyOf({ filter: 'glob:build-*', sort: 'numerical' }), ['build-1']);
    assert.equal(result.message, 'no tag matches glob:build-* and has a numerical value');
  });

  test('a missing-metadata result names the ordering that needs it', () => {
    const result = choose(policyOf({ filter: 'glob:*' }), ['a'], undefined, new Map());
    assert.equal(
      result.message,
      'none of 1 candidates has a known build time, which newest-build ordering needs',
    );
  });

  test('invalid Dates count as unknown build times', () => {
    const result = choose(
      policyOf({ filter: 'glob:*' }),
      ['a', 'b'],
      undefined,
      new Map([['a', new Date('x')]]),
    );
    assert.equal(result.reason, 'MissingMetadata');
  });

  test('the created lookup may be a function', () => {
    const policy = policyOf({ filter: 'glob:*' });
    const times: Record<string, number> = { a: 1, b: 2 };
    const lookup = (tag: string) => (times[tag] === undefined ? undefined : new Date(times[tag]));
    const result = chooseWith(policy, ['a', 'b'], lookup);
    assert.equal(result.tag, 'b');
  });
});

function chooseWith(policy: TagPolicy, tags: readonly string[], created: (tag: string) => Date | undefined) {
  return chooseLatestTag({ policy, candidates: filterTags(tags, policy), created });
}
