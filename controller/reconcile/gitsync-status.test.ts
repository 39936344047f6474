import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { countActions } from '../sync/run-sync.ts';
import type { ObjectResult, SyncResult } from '../sync/types.ts';
import { healthAfterChange, healthyCondition, syncedCondition } from './gitsync-status.ts';

const commit = 'abcdef0123456789';

function result(objects: ObjectResult[], extra: Partial<SyncResult> = {}): SyncResult {
  const counts = countActions(objects);
  return { inventory: [], objects, problems: [], health: [], counts, writes: 0, durationMs: 1, ...extra };
}

const failedRender: ObjectResult = {
  id: '',
  object: 'ConfigMap demo/a',
  action: 'failed',
  reason: 'Invalid',
  message: 'metadata.namespace is the object ["demo"], not a string',
};

describe('syncedCondition', () => {
  test('names the file and line of a problem first and counts each failure once', () => {
    const synced = syncedCondition(
      result(
        [
          failedRender,
          { id: 'x', object: 'Secret demo/s', action: 'failed', reason: 'Forbidden', message: 'forbidden' },
        ],
        {
          problems: [
            { path: 'a.yaml', line: 4, message: `${failedRender.object}: ${failedRender.message}` },
            { path: 'b.yaml', line: 2, message: 'bad indentation' },
          ],
          pruneHeld: 'nothing pruned: the render had 2 problem(s)',
        },
      ),
      commit,
    );
    assert.equal(synced.status, 'False');
    assert.equal(synced.reason, 'ApplyFailed');
    assert.match(synced.message, /^commit abcdef0: a\.yaml:4: ConfigMap demo\/a: metadata\.namespace/);
    assert.match(synced.message, /\(and 2 more\)/);
    assert.match(synced.message, /; nothing pruned: the render had 2 problem\(s\)$/);
  });

  test('is True with counts when nothing failed', () => {
    const synced = syncedCondition(
      result([{ id: 'a', object: 'ConfigMap demo/a', action: 'created' }]),
      commit,
    );
    assert.deepEqual(synced, {
      type: 'Synced',
      status: 'True',
      reason: 'Applied',
      message: 'commit abcdef0: 1 created, 0 configured, 0 unchanged, 0 pruned',
    });
  });
});

describe('healthyCondition', () => {
  test('is not True when nothing was applied', () => {
    assert.equal(healthyCondition(result([])).status, 'Unknown');
    assert.equal(healthyCondition(result([])).reason, 'NothingApplied');
    const refused = healthyCondition(result([], { error: { code: 'EmptyRender', message: 'empty' } }));
    assert.equal(refused.status, 'Unknown');
  });

  test('is True when every applied object is current', () => {
    const healthy = healthyCondition(
      result([], { health: [{ id: 'a', object: 'ConfigMap demo/a', status: 'Current', message: '' }] }),
    );
    assert.equal(healthy.status, 'True');
  });
});

describe('healthAfterChange (a watch saw health change between syncs)', () => {
  const verdict = (status: 'Current' | 'InProgress' | 'Failed', message: string) => ({
    id: 'apps_web_apps_Deployment',
    object: 'Deployment apps/web',
    status,
    message,
  });
  const progressing = { type: 'Healthy', status: 'Unknown', reason: 'Progressing', message: '…' } as const;

  it('a rollout that finished makes Healthy True; one that failed makes it False with the reason', () => {
    assert.equal(
      healthAfterChange(progressing, [verdict('Current', '2 replicas available')])?.status,
      'True',
    );
    const failed = healthAfterChange(progressing, [
      verdict('Failed', 'ReplicaSet "web-1" has timed out progressing.'),
    ]);
    assert.deepEqual(failed, {
      type: 'Healthy',
      status: 'False',
      reason: 'Failed',
      message: 'Deployment apps/web: ReplicaSet "web-1" has timed out progressing.',
    });
  });

  it('leaves a Healthy that speaks of a refused or failed sync alone', () => {
    const refused = {
      type: 'Healthy',
      status: 'Unknown',
      reason: 'EmptyRender',
      message: 'the last sync was refused',
    } as const;
    assert.equal(healthAfterChange(refused, [verdict('Current', 'ok')]), undefined);
    assert.equal(healthAfterChange(undefined, [verdict('Current', 'ok')]), undefined);
  });
});
