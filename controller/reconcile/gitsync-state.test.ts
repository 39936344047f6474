import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConditionUpdate } from '../api/conditions.ts';
import type { GitSync } from '../api/types.ts';
import { type GitSyncState, intervalsOf, nextReconcileIn, readyCondition } from './gitsync-state.ts';

const SYNCED: ConditionUpdate = {
  type: 'Synced',
  status: 'True',
  reason: 'Applied',
  message: 'commit abc1234',
};
const ROLLING: ConditionUpdate = {
  type: 'Healthy',
  status: 'Unknown',
  reason: 'Progressing',
  message: '1 object(s) not ready yet, e.g. Deployment apps/web: 1 of 2 replicas updated',
};

function gitsync(sync: GitSync['spec']['sync']): GitSync {
  return {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'GitSync',
    metadata: { name: 'apps', namespace: 'ops' },
    spec: { url: 'https://git.example/apps.git', ...(sync ? { sync } : {}) },
  };
}

function state(healthy: ConditionUpdate): GitSyncState {
  return {
    syncConditions: [SYNCED, healthy],
    syncedCommit: 'abc1234def',
    syncedAt: 1_000_000,
  } as GitSyncState;
}

describe('readyCondition with spec.sync.wait', () => {
  const waiting = intervalsOf(gitsync({ wait: true, timeout: '2m' }));

  it('without wait, Ready follows Synced alone', () => {
    const ready = readyCondition(state(ROLLING), {
      intervals: intervalsOf(gitsync(undefined)),
      now: 1_000_000,
    });
    assert.equal(ready.status, 'True');
  });

  it('with wait: Unknown while rolling out, True once healthy, False when an object failed', () => {
    const now = 1_000_000 + 30_000;
    assert.equal(readyCondition(state(ROLLING), { intervals: waiting, now }).status, 'Unknown');
    assert.match(
      readyCondition(state(ROLLING), { intervals: waiting, now }).message,
      /waiting up to 120s for/,
    );
    const healthy: ConditionUpdate = {
      type: 'Healthy',
      status: 'True',
      reason: 'Current',
      message: '3 current',
    };
    assert.equal(readyCondition(state(healthy), { intervals: waiting, now }).status, 'True');
    const failed: ConditionUpdate = {
      type: 'Healthy',
      status: 'False',
      reason: 'Failed',
      message: 'Deployment apps/web: ReplicaSet "web-1" has timed out progressing.',
    };
    assert.deepEqual(readyCondition(state(failed), { intervals: waiting, now }), {
      type: 'Ready',
      status: 'False',
      reason: 'HealthCheckFailed',
      message: failed.message,
    });
  });

  it('with wait: False after the timeout, and the reconciler comes back at that moment', () => {
    const late = readyCondition(state(ROLLING), { intervals: waiting, now: 1_000_000 + 120_000 });
    assert.equal(late.status, 'False');
    assert.match(late.message, /not healthy 120s after the sync \(spec\.sync\.timeout\)/);
    const s = { ...state(ROLLING), lastAutomation: 1_000_000, retryAt: undefined } as GitSyncState;
    assert.equal(nextReconcileIn(s, { ...waiting, automationOn: false }, 1_000_000 + 100_000), 20_000);
  });
});
