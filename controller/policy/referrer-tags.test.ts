import assert from 'node:assert/strict';
import { test } from 'node:test';

import { rejectionOf } from './candidates.ts';
import { type ChooseCase, choose, createdMap, policyOf, runChooseCases } from './choose.test-support.ts';
import { policyFromAnnotations } from './policy.ts';
import { referrerTagGlob } from './referrer-tags.ts';
import { policyFromSpec } from './spec.ts';

const digestTag = `sha256-${'a'.repeat(64)}`;
const cosign = [`${digestTag}.sig`, `${digestTag}.att`, `${digestTag}.sbom`, digestTag];

const cases: ChooseCase[] = [
  {
    name: 'glob:* never picks cosign tags, however new their build',
    policy: { filter: 'glob:*' },
    tags: ['1.0', ...cosign],
    created: { '1.0': 1, ...Object.fromEntries(cosign.map((tag) => [tag, 99])) },
    expected: { tag: '1.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'an ImagePolicy with newestBuild excludes them too',
    policy: { spec: { policy: { newestBuild: {} } } },
    tags: ['1.0', ...cosign],
    created: { '1.0': 1, ...Object.fromEntries(cosign.map((tag) => [tag, 99])) },
    expected: { tag: '1.0', reason: 'NoCurrentTag' },
  },
  {
    name: 'regex and alphabetical policies exclude them',
    policy: { spec: { policy: { alphabetical: {} } } },
    tags: ['a', 'zz.sig'],
    expected: { tag: 'a', reason: 'NoCurrentTag' },
  },
  {
    name: 'referrerTags: Include opts out',
    policy: { spec: { policy: { newestBuild: {} }, referrerTags: 'Include' } },
    tags: ['1.0', `${digestTag}.sig`],
    created: { '1.0': 1, [`${digestTag}.sig`]: 2 },
    expected: { tag: `${digestTag}.sig`, reason: 'NoCurrentTag' },
  },
  {
    name: 'the referrer-tags annotation opts out',
    policy: { filter: 'glob:*.sig', referrerTags: 'include' },
    tags: ['1.0', `${digestTag}.sig`],
    created: { '1.0': 1, [`${digestTag}.sig`]: 2 },
    expected: { tag: `${digestTag}.sig`, reason: 'NoCurrentTag' },
  },
  {
    name: 'a current cosign tag cannot be ordered: the top image wins',
    policy: { filter: 'glob:*' },
    tags: ['1.0', `${digestTag}.sig`],
    current: `${digestTag}.sig`,
    created: { '1.0': 1, [`${digestTag}.sig`]: 2 },
    expected: { tag: '1.0', reason: 'CurrentNotOrderable' },
  },
];

runChooseCases('referrer tags', cases);

test('which tags count as referrer tags', () => {
  const table: [string, string | undefined][] = [
    [`${digestTag}.sig`, '*.sig'],
    ['v1.att', '*.att'],
    ['v1.sbom', '*.sbom'],
    [digestTag, 'sha256-*'],
    ['.sig', undefined],
    ['1.0-sig', undefined],
    ['sha256', undefined],
    ['signed-1.0', undefined],
  ];
  for (const [tag, glob] of table) assert.equal(referrerTagGlob(tag), glob, tag);
});

test('a rejected referrer tag says why and how to opt out', () => {
  const rejection = rejectionOf(`${digestTag}.att`, policyOf({ filter: 'glob:*' }));
  assert.equal(rejection?.reason, 'ReferrerTag');
  assert.match(rejection?.message ?? '', /attestation.*"\*\.att".*referrerTags: Include/);
});

test('referrer tags are rejected before the user exclude globs', () => {
  const policy = policyOf({ spec: { policy: { newestBuild: {} }, exclude: ['*.sig'] } });
  assert.equal(rejectionOf('x.sig', policy)?.reason, 'ReferrerTag');
  const included = policyOf({
    spec: { policy: { newestBuild: {} }, exclude: ['*.sig'], referrerTags: 'Include' },
  });
  assert.equal(rejectionOf('x.sig', included)?.reason, 'Excluded');
});

test('a bad opt-out value fails closed', () => {
  const spec = policyFromSpec({ policy: { newestBuild: {} }, referrerTags: 'include' as 'Include' });
  assert.equal(spec.ok, false);
  assert.match(spec.ok ? '' : spec.error.message, /spec\.referrerTags: must be Exclude or Include/);
  const annotation = policyFromAnnotations({ filter: 'glob:*', referrerTags: 'yes' });
  assert.equal(annotation.ok, false);
});

test('the default is recorded in the definition check-policy prints', () => {
  assert.equal(policyOf({ filter: 'glob:*' }).definition.referrerTags, 'Exclude');
  const tags = ['1.0', `${digestTag}.sig`];
  assert.equal(
    choose(policyOf({}), tags, undefined, createdMap({ '1.0': 1, [`${digestTag}.sig`]: 5 })).tag,
    '1.0',
  );
});
