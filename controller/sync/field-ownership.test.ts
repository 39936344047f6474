import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagedFieldsEntry } from '../kube/types.ts';
import { fieldsOwn, isKubectlEdit, ownersOf, removeFields, rewriteManagedFields } from './field-ownership.ts';

const live = {
  metadata: { labels: { app: 'web', team: 'ops' } },
  spec: {
    replicas: 4,
    selector: { matchLabels: { app: 'web' } },
    template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
  },
};

const tagpilot: ManagedFieldsEntry = {
  manager: 'tagpilot',
  operation: 'Apply',
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
      },
    },
  },
};
const scale: ManagedFieldsEntry = {
  manager: 'kubectl',
  operation: 'Update',
  subresource: 'scale',
  fieldsV1: { 'f:spec': { 'f:replicas': {} } },
};
const label: ManagedFieldsEntry = {
  manager: 'kubectl-label',
  operation: 'Update',
  fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } },
};

describe('fieldsOwn', () => {
  const cases: { name: string; path: (string | number)[]; expected: boolean }[] = [
    { name: 'a plain field', path: ['spec', 'replicas'], expected: true },
    { name: 'inside an atomic field', path: ['spec', 'selector', 'matchLabels', 'app'], expected: true },
    {
      name: 'a list item by its key',
      path: ['spec', 'template', 'spec', 'containers', 0, 'image'],
      expected: true,
    },
    { name: 'a field it does not own', path: ['metadata', 'labels', 'team'], expected: false },
  ];
  for (const { name, path, expected } of cases) {
    it(name, () => assert.equal(fieldsOwn(tagpilot.fieldsV1, path, live), expected));
  }
  it('an empty set owns nothing', () => assert.equal(fieldsOwn({}, ['spec', 'replicas'], live), false));
});

describe('ownersOf', () => {
  it('names the managers of a path, leaving out tagpilot', () => {
    const entries = [tagpilot, scale, label];
    assert.deepEqual(ownersOf(entries, ['spec', 'replicas'], live, 'tagpilot'), ['kubectl']);
    assert.deepEqual(ownersOf(entries, ['metadata', 'labels', 'team'], live, 'tagpilot'), ['kubectl-label']);
  });
});

describe('isKubectlEdit', () => {
  const cases: [ManagedFieldsEntry, boolean][] = [
    [{ manager: 'kubectl-client-side-apply', operation: 'Update' }, true],
    [{ manager: 'kubectl-edit', operation: 'Update' }, true],
    [{ manager: 'kubectl', operation: 'Update', subresource: 'scale' }, true],
    [{ manager: 'before-first-apply', operation: 'Update' }, true],
    [{ manager: 'kubectl', operation: 'Apply' }, false],
    [{ manager: 'kubectl-edit', operation: 'Update', subresource: 'status' }, false],
    [{ manager: 'kube-controller-manager', operation: 'Update' }, false],
  ];
  for (const [entry, expected] of cases) {
    it(`${entry.manager} ${entry.operation} ${entry.subresource ?? ''}`, () =>
      assert.equal(isKubectlEdit(entry), expected));
  }
});

describe('rewriteManagedFields', () => {
  const request = {
    fieldManager: 'tagpilot',
    apiVersion: 'apps/v1',
    release: [],
    object: live,
    time: '2025-01-01T00:00:00Z',
  };

  it('moves kubectl fields into the tagpilot Apply entry', () => {
    const result = rewriteManagedFields([tagpilot, label], request);
    assert.deepEqual(result?.tookOverFrom, ['kubectl-label']);
    assert.deepEqual(
      result?.entries.map((e) => e.manager),
      ['tagpilot'],
    );
    assert.deepEqual(
      (result?.entries[0]?.fieldsV1?.['f:metadata'] as Record<string, unknown> | undefined)?.['f:labels'],
      {
        'f:app': {},
        'f:team': {},
      },
    );
  });

  it('creates the Apply entry when tagpilot has none yet', () => {
    const result = rewriteManagedFields([label], request);
    assert.equal(result?.entries[0]?.operation, 'Apply');
    assert.equal(result?.entries[0]?.time, '2025-01-01T00:00:00Z');
  });

  it('releases a path, also one that only kubectl scale owned', () => {
    const release = [['spec', 'replicas']];
    const result = rewriteManagedFields([tagpilot, scale], { ...request, release });
    const spec = result?.entries[0]?.fieldsV1?.['f:spec'] as Record<string, unknown>;
    assert.equal(spec['f:replicas'], undefined);
    assert.ok(spec['f:selector']);
    const onlyScale = rewriteManagedFields([scale], { ...request, release });
    assert.deepEqual(onlyScale?.entries[0]?.fieldsV1, {});
  });

  it('changes nothing when there is nothing to take or release', () => {
    assert.equal(rewriteManagedFields([tagpilot], request), undefined);
    assert.equal(rewriteManagedFields([tagpilot], { ...request, release: [['spec', 'paused']] }), undefined);
  });
});

describe('removeFields', () => {
  it('drops ancestors left empty (an empty map would mean "owns it atomically")', () => {
    const fields = { 'f:spec': { 'f:replicas': {} }, 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } } };
    removeFields(fields, ['spec', 'replicas'], live);
    removeFields(fields, ['metadata', 'labels', 'a'], { metadata: { labels: { a: '1', b: '2' } } });
    assert.deepEqual(fields, { 'f:metadata': { 'f:labels': { 'f:b': {} } } });
  });
});
