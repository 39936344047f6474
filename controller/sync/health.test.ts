import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { computeHealth } from './health.ts';

const obj = (
  apiVersion: string,
  kind: string,
  spec: unknown,
  status: unknown,
  generation = 1,
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', generation },
  spec,
  status,
});
const cond = (type: string, status: string, reason = '') => ({ type, status, reason, message: '' });

describe('computeHealth', () => {
  const cases: [string, KubeObject, string][] = [
    ['Deployment not observed yet', obj('apps/v1', 'Deployment', { replicas: 1 }, {}), 'InProgress'],
    [
      'Deployment rolled out',
      obj(
        'apps/v1',
        'Deployment',
        { replicas: 2 },
        { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      ),
      'Current',
    ],
    [
      'Deployment rolling',
      obj(
        'apps/v1',
        'Deployment',
        { replicas: 2 },
        { observedGeneration: 1, replicas: 3, updatedReplicas: 2, availableReplicas: 2 },
      ),
      'InProgress',
    ],
    [
      'Deployment past its deadline',
      obj(
        'apps/v1',
        'Deployment',
        { replicas: 2 },
        { observedGeneration: 1, conditions: [cond('Progressing', 'False', 'ProgressDeadlineExceeded')] },
      ),
      'Failed',
    ],
    [
      'Deployment with a newer generation',
      obj('apps/v1', 'Deployment', {}, { observedGeneration: 1 }, 2),
      'InProgress',
    ],
    [
      'StatefulSet ready',
      obj(
        'apps/v1',
        'StatefulSet',
        { replicas: 1 },
        {
          observedGeneration: 1,
          readyReplicas: 1,
          updatedReplicas: 1,
          currentRevision: 'a',
          updateRevision: 'a',
        },
      ),
      'Current',
    ],
    [
      'StatefulSet mid-rollout',
      obj(
        'apps/v1',
        'StatefulSet',
        { replicas: 1 },
        {
          observedGeneration: 1,
          readyReplicas: 1,
          updatedReplicas: 1,
          currentRevision: 'a',
          updateRevision: 'b',
        },
      ),
      'InProgress',
    ],
    [
      'DaemonSet available',
      obj(
        'apps/v1',
        'DaemonSet',
        {},
        { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
      ),
      'Current',
    ],
    [
      'DaemonSet updating',
      obj(
        'apps/v1',
        'DaemonSet',
        {},
        { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 1 },
      ),
      'InProgress',
    ],
    ['Job complete', obj('batch/v1', 'Job', {}, { conditions: [cond('Complete', 'True')] }), 'Current'],
    [
      'Job failed',
      obj('batch/v1', 'Job', {}, { conditions: [cond('Failed', 'True', 'BackoffLimitExceeded')] }),
      'Failed',
    ],
    ['Job running', obj('batch/v1', 'Job', {}, { active: 1 }), 'InProgress'],
    [
      'CRD established',
      obj(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        {},
        { conditions: [cond('Established', 'True')] },
      ),
      'Current',
    ],
    [
      'CRD names rejected',
      obj(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        {},
        { conditions: [cond('NamesAccepted', 'False')] },
      ),
      'Failed',
    ],
    ['CRD pending', obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {}, {}), 'InProgress'],
    ['ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, 'Current'],
    [
      'custom resource not ready',
      obj('example.com/v1', 'Widget', {}, { observedGeneration: 1, conditions: [cond('Ready', 'False')] }),
      'InProgress',
    ],
  ];
  for (const [name, object, expected] of cases) {
    it(name, () => assert.equal(computeHealth(object).status, expected));
  }
});
