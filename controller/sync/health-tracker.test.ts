import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { HealthTracker } from './health-tracker.ts';

function deployment(status: Record<string, unknown>, generation = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', generation },
    spec: { replicas: 2 },
    status: { observedGeneration: generation, ...status },
  };
}

describe('HealthTracker', () => {
  const id = 'apps_web_apps_Deployment';
  const applied = {
    id,
    object: 'Deployment apps/web',
    status: 'InProgress' as const,
    message: 'not yet observed by its controller',
  };

  it('reports every verdict when a watched object changes its health', () => {
    const tracker = new HealthTracker();
    tracker.reset([
      applied,
      { id: 'cm', object: 'ConfigMap apps/conf', status: 'Current', message: 'resource is current' },
    ]);
    const rolling = tracker.observe(
      id,
      deployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 2 }),
    );
    assert.deepEqual(
      rolling?.find((v) => v.id === id),
      {
        ...applied,
        status: 'InProgress',
        message: '1 of 2 replicas updated',
        generation: 2,
      },
    );
    assert.equal(rolling?.length, 2);
    const done = tracker.observe(id, deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }));
    assert.equal(done?.find((v) => v.id === id)?.status, 'Current');
  });

  it('says nothing when the verdict did not change, or for an object the sync did not apply', () => {
    const tracker = new HealthTracker();
    tracker.reset([applied]);
    const done = deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    assert.ok(tracker.observe(id, done));
    assert.equal(tracker.observe(id, done), undefined);
    assert.equal(tracker.observe('other', done), undefined);
  });

  it('a failed rollout is Failed with the Deployment controller message', () => {
    const tracker = new HealthTracker();
    tracker.reset([applied]);
    const verdicts = tracker.observe(
      id,
      deployment({
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-5d4f" has timed out progressing.',
          },
        ],
      }),
    );
    assert.deepEqual(verdicts?.[0], {
      ...applied,
      status: 'Failed',
      message: 'ReplicaSet "web-5d4f" has timed out progressing.',
      generation: 2,
    });
  });

  it('a rollout that finished while the sync was still running is Current at the reset', () => {
    const tracker = new HealthTracker();
    tracker.reset([]);
    // The watch saw the finished rollout before the sync's result came back.
    tracker.observe(id, deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2));
    const [verdict] = tracker.reset([{ ...applied, generation: 2 }]);
    assert.equal(verdict?.status, 'Current');
    // A watched state older than what the sync applied does not count.
    tracker.observe(id, deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2));
    const [stale] = tracker.reset([{ ...applied, generation: 3 }]);
    assert.equal(stale?.status, 'InProgress');
  });
});
