import { type ChooseCase, runChooseCases } from './choose.test-support.ts';

const cases: ChooseCase[] = [
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

runChooseCases('chooseLatestTag: ImagePolicy specs: numerical, alphabetical, filterTags, exclude', cases);
