import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupByStage, stageOf } from './order.ts';

describe('apply order', () => {
  it('puts definitions first and admission webhooks last', () => {
    const cases: [string, string, number][] = [
      ['apiextensions.k8s.io', 'CustomResourceDefinition', 0],
      ['', 'Namespace', 0],
      ['rbac.authorization.k8s.io', 'ClusterRole', 0],
      ['apps', 'Deployment', 1],
      ['', 'ConfigMap', 1],
      ['example.com', 'Widget', 1],
      ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 2],
      ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration', 2],
    ];
    for (const [group, kind, stage] of cases) assert.equal(stageOf(group, kind), stage, `${group}/${kind}`);
  });

  it('groups in stage order, keeps source order inside a stage, drops empty stages', () => {
    const items = [
      { group: 'apps', kind: 'Deployment', n: 1 },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', n: 2 },
      { group: '', kind: 'Namespace', n: 3 },
      { group: '', kind: 'Service', n: 4 },
    ];
    assert.deepEqual(
      groupByStage(items, (i) => i).map((stage) => stage.map((i) => i.n)),
      [[3], [1, 4], [2]],
    );
    assert.deepEqual(groupByStage([{ group: '', kind: 'ConfigMap' }], (i) => i).length, 1);
  });
});
