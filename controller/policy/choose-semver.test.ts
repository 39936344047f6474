import { type ChooseCase, runChooseCases } from './choose.test-support.ts';

const cases: ChooseCase[] = [
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

runChooseCases('chooseLatestTag: semver filters', cases);
