import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ImagePolicyRules, policyFromSpec } from './spec.ts';

describe('policyFromSpec: valid specs', () => {
  const cases = [
    {
      name: 'semver with includePrerelease',
      input: { policy: { semver: { range: '^1', includePrerelease: true } } },
      expected: {
        filter: { kind: 'semver', range: '^1', includePrerelease: true },
        ordering: { kind: 'semver', direction: 'asc' },
      },
    },
    {
      name: 'glob',
      input: { policy: { glob: { pattern: 'main-*' } } },
      expected: {
        filter: { kind: 'glob', pattern: 'main-*' },
        ordering: { kind: 'newest-build', direction: 'asc' },
      },
    },
    {
      name: 'regex',
      input: { policy: { regex: { pattern: '^v' } } },
      expected: {
        filter: { kind: 'regex', pattern: '^v' },
        ordering: { kind: 'newest-build', direction: 'asc' },
      },
    },
    {
      name: 'alphabetical defaults to asc',
      input: { policy: { alphabetical: {} } },
      expected: { filter: { kind: 'any' }, ordering: { kind: 'alphabetical', direction: 'asc' } },
    },
    {
      name: 'numerical desc',
      input: { policy: { numerical: { order: 'desc' } } },
      expected: { filter: { kind: 'any' }, ordering: { kind: 'numerical', direction: 'desc' } },
    },
    {
      name: 'newestBuild',
      input: { policy: { newestBuild: {} } },
      expected: { filter: { kind: 'any' }, ordering: { kind: 'newest-build', direction: 'asc' } },
    },
  ] as const;
  for (const c of cases) {
    test(c.name, () => {
      const result = policyFromSpec(c.input);
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      const { filter, ordering } = result.value.definition;
      assert.deepEqual({ filter, ordering }, c.expected);
    });
  }

  test('filterTags and exclude are kept in the definition', () => {
    const result = policyFromSpec({
      policy: { numerical: {} },
      filterTags: { pattern: '^main-(?<ts>\\d+)', extract: '$ts' },
      exclude: ['*-debug'],
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value.definition.filterTags, { pattern: '^main-(?<ts>\\d+)', extract: '$ts' });
    assert.deepEqual(result.value.definition.exclude, ['*-debug']);
  });

  test('an empty filterTags is no filterTags', () => {
    const result = policyFromSpec({ policy: { numerical: {} }, filterTags: {} });
    assert.ok(result.ok);
    assert.equal(result.value.definition.filterTags, undefined);
  });
});

describe('policyFromSpec: invalid specs name the field', () => {
  const cases: { name: string; input: unknown; field: string; message: string }[] = [
    {
      name: 'two policy kinds',
      input: { policy: { semver: { range: '^1' }, glob: { pattern: '*' } } },
      field: 'spec.policy',
      message:
        'spec.policy: set exactly one of semver, glob, regex, alphabetical, numerical, newestBuild (found: semver, glob)',
    },
    {
      name: 'no policy kind',
      input: { policy: {} },
      field: 'spec.policy',
      message:
        'spec.policy: set exactly one of semver, glob, regex, alphabetical, numerical, newestBuild (found: none)',
    },
    {
      name: 'policy missing',
      input: {},
      field: 'spec.policy',
      message:
        'spec.policy: required, set exactly one of semver, glob, regex, alphabetical, numerical, newestBuild',
    },
    { name: 'spec not an object', input: 'semver:^1', field: 'spec', message: 'spec: must be an object' },
    {
      name: 'bad regex',
      input: { policy: { regex: { pattern: 'develop-(' } } },
      field: 'spec.policy.regex.pattern',
      message: 'spec.policy.regex.pattern: invalid regex "develop-(": missing closing )',
    },
    {
      name: 'empty regex',
      input: { policy: { regex: { pattern: '' } } },
      field: 'spec.policy.regex.pattern',
      message: 'spec.policy.regex.pattern: empty regex',
    },
    {
      name: 'bad semver range',
      input: { policy: { semver: { range: 'one' } } },
      field: 'spec.policy.semver.range',
      message: 'spec.policy.semver.range: invalid semver range "one"',
    },
    {
      name: 'missing semver range',
      input: { policy: { semver: {} } },
      field: 'spec.policy.semver.range',
      message: 'spec.policy.semver.range: required',
    },
    {
      name: 'includePrerelease not a boolean',
      input: { policy: { semver: { range: '*', includePrerelease: 'yes' } } },
      field: 'spec.policy.semver.includePrerelease',
      message: 'spec.policy.semver.includePrerelease: must be true or false',
    },
    {
      name: 'empty glob',
      input: { policy: { glob: { pattern: '' } } },
      field: 'spec.policy.glob.pattern',
      message: 'spec.policy.glob.pattern: empty glob pattern',
    },
    {
      name: 'glob pattern not a string',
      input: { policy: { glob: { pattern: 5 } } },
      field: 'spec.policy.glob.pattern',
      message: 'spec.policy.glob.pattern: must be a string',
    },
    {
      name: 'bad order',
      input: { policy: { alphabetical: { order: 'up' } } },
      field: 'spec.policy.alphabetical.order',
      message: 'spec.policy.alphabetical.order: must be asc or desc, got "up"',
    },
    {
      name: 'policy kind not an object',
      input: { policy: { numerical: 'asc' } },
      field: 'spec.policy.numerical',
      message: 'spec.policy.numerical: must be an object',
    },
    {
      name: 'bad filterTags pattern',
      input: { policy: { numerical: {} }, filterTags: { pattern: '(?<ts>' } },
      field: 'spec.filterTags.pattern',
      message: 'spec.filterTags.pattern: invalid regex "(?<ts>": missing closing )',
    },
    {
      name: 'extract without pattern',
      input: { policy: { numerical: {} }, filterTags: { extract: '$ts' } },
      field: 'spec.filterTags.pattern',
      message: 'spec.filterTags.pattern: required',
    },
    {
      name: 'extract naming an unknown group',
      input: { policy: { numerical: {} }, filterTags: { pattern: '^main-(?<ts>\\d+)', extract: '$tss' } },
      field: 'spec.filterTags.extract',
      message:
        'spec.filterTags.extract: extract "$tss" refers to group "tss" which the pattern does not define',
    },
    {
      name: 'extract group number out of range',
      input: { policy: { numerical: {} }, filterTags: { pattern: '^main-(\\d+)', extract: '$2' } },
      field: 'spec.filterTags.extract',
      message: 'spec.filterTags.extract: extract "$2" refers to group 2 but the pattern has 1',
    },
    {
      name: 'empty exclude pattern',
      input: { policy: { numerical: {} }, exclude: ['*-rc*', ''] },
      field: 'spec.exclude[1]',
      message: 'spec.exclude[1]: empty glob pattern',
    },
    {
      name: 'exclude not a list',
      input: { policy: { numerical: {} }, exclude: '*-rc*' },
      field: 'spec.exclude',
      message: 'spec.exclude: must be a list of glob patterns',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = policyFromSpec(c.input as ImagePolicyRules);
      assert.deepEqual(result, {
        ok: false,
        error: { code: 'InvalidPolicy', message: c.message, field: c.field },
      });
    });
  }
});
