import { type ChooseCase, runChooseCases } from './choose.test-support.ts';

const cases: ChooseCase[] = [
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

runChooseCases('chooseLatestTag: regex filters and the version group', cases);
