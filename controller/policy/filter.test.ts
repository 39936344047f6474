import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTagFilter } from './filter.ts';
import { parseSortOrder } from './ordering.ts';
import { policyFromAnnotations } from './policy.ts';
import type { Result } from './result.ts';

function errorOf<T>(result: Result<T>): string {
  assert.equal(result.ok, false, 'expected an error value');
  return result.ok ? '' : result.error.message;
}

describe('parseTagFilter: valid values', () => {
  const cases = [
    { name: 'glob', input: 'glob:develop-*', expected: { kind: 'glob', pattern: 'develop-*' } },
    { name: 'glob any', input: 'glob:*', expected: { kind: 'glob', pattern: '*' } },
    { name: 'bare value is a glob', input: 'develop-*', expected: { kind: 'glob', pattern: 'develop-*' } },
    { name: 'surrounding space is trimmed', input: '  glob:x  ', expected: { kind: 'glob', pattern: 'x' } },
    {
      name: 'semver',
      input: 'semver:~1.2',
      expected: { kind: 'semver', range: '~1.2', includePrerelease: false },
    },
    {
      name: 'semver with v',
      input: 'semver:>=v1.0.0',
      expected: { kind: 'semver', range: '>=v1.0.0', includePrerelease: false },
    },
    { name: 'regex', input: 'regex:^v(\\d+)$', expected: { kind: 'regex', pattern: '^v(\\d+)$' } },
    { name: 'regexp alias', input: 'regexp:rc', expected: { kind: 'regex', pattern: 'rc' } },
    {
      name: 'regex keeps colons in the pattern',
      input: 'regex:^a:b',
      expected: { kind: 'regex', pattern: '^a:b' },
    },
  ] as const;
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(parseTagFilter(c.input), { ok: true, value: c.expected }));
  }
});

describe('parseTagFilter: invalid values are error values', () => {
  const cases = [
    {
      name: 'empty',
      input: '',
      expected: 'empty tag filter (use glob:, semver:, regex: or regexp: followed by a pattern)',
    },
    {
      name: 'blank',
      input: '   ',
      expected: 'empty tag filter (use glob:, semver:, regex: or regexp: followed by a pattern)',
    },
    { name: 'empty glob', input: 'glob:', expected: 'empty glob pattern' },
    {
      name: 'empty semver',
      input: 'semver:',
      expected: 'empty semver range (use "*" for any release version)',
    },
    { name: 'bad semver range', input: 'semver:>=1 <', expected: 'invalid semver range ">=1 <"' },
    { name: 'semver word', input: 'semver:latest', expected: 'invalid semver range "latest"' },
    { name: 'empty regex', input: 'regex:', expected: 'empty regex' },
    {
      name: 'bad regex',
      input: 'regex:develop-(',
      expected: 'invalid regex "develop-(": missing closing )',
    },
    { name: 'bad regexp', input: 'regexp:[a', expected: 'invalid regex "[a": missing closing ]' },
    {
      name: 'unknown prefix',
      input: 'semvar:^1',
      expected: 'unknown tag filter kind "semvar" in "semvar:^1" (use glob:, semver:, regex: or regexp:)',
    },
    {
      name: 'prefixes are case sensitive',
      input: 'Glob:*',
      expected: 'unknown tag filter kind "Glob" in "Glob:*" (use glob:, semver:, regex: or regexp:)',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = parseTagFilter(c.input);
      assert.deepEqual(result, { ok: false, error: { code: 'InvalidPolicy', message: c.expected } });
    });
  }
});

describe('parseSortOrder', () => {
  const valid = [
    { input: 'newest-build', expected: { kind: 'newest-build', direction: 'asc' } },
    { input: 'semver', expected: { kind: 'semver', direction: 'asc' } },
    { input: 'alphabetical:desc', expected: { kind: 'alphabetical', direction: 'desc' } },
    { input: 'numerical:asc', expected: { kind: 'numerical', direction: 'asc' } },
    { input: ' semver:desc ', expected: { kind: 'semver', direction: 'desc' } },
  ] as const;
  for (const c of valid) {
    test(`valid: ${c.input}`, () =>
      assert.deepEqual(parseSortOrder(c.input), { ok: true, value: c.expected }));
  }
  const invalid = [
    { input: 'newest', expected: /unknown sort order "newest"/ },
    { input: 'version', expected: /unknown sort order "version"/ },
    { input: '', expected: /unknown sort order ""/ },
    {
      input: 'semver:down',
      expected: /^unknown sort direction "down" in "semver:down" \(use asc or desc\)$/,
    },
    { input: 'semver:asc:x', expected: /unknown sort order "semver:asc:x"/ },
  ];
  for (const c of invalid) {
    test(`invalid: "${c.input}"`, () => assert.match(errorOf(parseSortOrder(c.input)), c.expected));
  }
});

describe('policyFromAnnotations: default orderings', () => {
  const cases = [
    {
      name: 'glob: newest build',
      input: { filter: 'glob:*' },
      expected: { kind: 'newest-build', direction: 'asc' },
    },
    { name: 'no filter: newest build', input: {}, expected: { kind: 'newest-build', direction: 'asc' } },
    {
      name: 'semver: semver',
      input: { filter: 'semver:^1' },
      expected: { kind: 'semver', direction: 'asc' },
    },
    {
      name: 'regex: newest build',
      input: { filter: 'regex:^v' },
      expected: { kind: 'newest-build', direction: 'asc' },
    },
    {
      name: 'regex with version group: version',
      input: { filter: 'regex:^v(?<version>\\d+)' },
      expected: { kind: 'version', direction: 'asc' },
    },
    {
      name: 'sort overrides the default',
      input: { filter: 'semver:^1', sort: 'numerical:desc' },
      expected: { kind: 'numerical', direction: 'desc' },
    },
  ] as const;
  for (const c of cases) {
    test(c.name, () => {
      const result = policyFromAnnotations(c.input);
      assert.ok(result.ok);
      assert.deepEqual(result.value.definition.ordering, c.expected);
    });
  }

  test('a bad sort value fails the policy', () => {
    assert.match(
      errorOf(policyFromAnnotations({ filter: 'glob:*', sort: 'size' })),
      /unknown sort order "size"/,
    );
  });

  test('a bad filter fails the policy even with a good sort', () => {
    assert.equal(
      errorOf(policyFromAnnotations({ filter: 'regex:(', sort: 'semver' })),
      'invalid regex "(": missing closing )',
    );
  });

  test('the definition is plain data', () => {
    const result = policyFromAnnotations({ filter: 'glob:main-*' });
    assert.ok(result.ok);
    assert.deepEqual(result.value.definition, {
      filter: { kind: 'glob', pattern: 'main-*' },
      ordering: { kind: 'newest-build', direction: 'asc' },
      filterTags: undefined,
      exclude: [],
      referrerTags: 'Exclude',
    });
  });
});
