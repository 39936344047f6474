import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hpaTargetsOf, planApply, scaleTargetKey } from './ignore-rules.ts';
import { inventoryEntry } from './render.ts';
import type { DesiredObject } from './types.ts';

const deployment = (): DesiredObject => {
  const entry = inventoryEntry('apps/v1', 'Deployment', 'web', 'ns');
  return {
    id: entry.id,
    entry,
    info: { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true },
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns', annotations: { 'a/b': 'x' } },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'a', args: ['1', '2', '3'] }] } } },
    },
    source: { path: 'x.yaml', index: 0 },
    syncOnly: false,
    recreate: false,
    namespaceDefaulted: false,
  };
};

describe('planApply', () => {
  it('cuts the paths of matching rules and releases them', () => {
    const desired = deployment();
    const plan = planApply(
      desired,
      [
        { target: { kind: 'Deployment' }, paths: ['/spec/replicas', '/metadata/annotations/a~1b'] },
        { target: { kind: 'Deployment', name: 'other' }, paths: ['/spec/template'] },
        {
          target: { namespace: 'ns' },
          paths: ['/spec/template/spec/containers/0/args/0', '/spec/template/spec/containers/0/args/2'],
        },
      ],
      new Set(),
    );
    assert.deepEqual(plan.body.spec, { template: { spec: { containers: [{ name: 'a', args: ['2'] }] } } });
    assert.deepEqual(plan.body.metadata.annotations, {});
    assert.deepEqual(plan.release[0], ['spec', 'replicas']);
    assert.equal(
      (desired.object.spec as { replicas: number }).replicas,
      3,
      'the desired object is not modified',
    );
  });

  it('leaves replicas to an HPA', () => {
    const plan = planApply(deployment(), [], new Set([scaleTargetKey('ns', 'Deployment', 'web')]));
    assert.equal((plan.body.spec as { replicas?: number }).replicas, undefined);
    assert.deepEqual(plan.release, [['spec', 'replicas']]);
  });

  it('applies the object as is without rules', () => {
    const desired = deployment();
    const plan = planApply(desired, [], new Set());
    assert.equal(plan.body, desired.object);
    assert.deepEqual(plan.release, []);
  });
});

describe('hpaTargetsOf', () => {
  it('collects scale targets of v1 and v2 HPAs', () => {
    const hpa = (apiVersion: string, namespace: string, kind: string, name: string) => ({
      apiVersion,
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name } },
    });
    assert.deepEqual(
      [
        ...hpaTargetsOf([
          hpa('autoscaling/v2', 'a', 'Deployment', 'web'),
          hpa('autoscaling/v1', 'b', 'StatefulSet', 'db'),
        ]),
      ],
      ['a/Deployment/web', 'b/StatefulSet/db'],
    );
  });
});
