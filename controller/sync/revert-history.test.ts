import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultBackoff, RevertHistory } from './revert-history.ts';

describe('defaultBackoff', () => {
  it('is 0, 2 s, 6 s, 18 s … capped at 5 minutes', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 20].map(defaultBackoff),
      [0, 2000, 6000, 18000, 54000, 162000, 300000, 300000, 300000],
    );
  });
});

describe('RevertHistory', () => {
  it('grows the delay with each revert of a streak and reports a fight at the threshold', () => {
    const history = new RevertHistory();
    const id = 'ns_web_apps_Deployment';
    assert.equal(history.delayFor(id, 0), 0);
    const first = history.recordRevert(id, 0);
    assert.deepEqual([first.attempt, first.fightStarted, first.nextDelayMs], [1, false, 2000]);
    assert.equal(history.delayFor(id, 1000), 2000);
    const second = history.recordRevert(id, 3000);
    assert.deepEqual([second.attempt, second.fightStarted, second.nextDelayMs], [2, false, 6000]);
    const third = history.recordRevert(id, 10_000);
    assert.deepEqual(
      [third.attempt, third.recent, third.fightStarted, third.nextDelayMs],
      [3, 3, true, 18000],
    );
    assert.ok(history.isFighting(id));
    const fourth = history.recordRevert(id, 29_000);
    assert.equal(fourth.fightStarted, false, 'a fight is reported once');
    assert.deepEqual(history.fighting(), [id]);
  });

  it('ends the streak after a quiet period and says whether it was a fight', () => {
    const history = new RevertHistory({ fightWindowMs: 60_000, fightThreshold: 2 });
    const id = 'x';
    history.recordRevert(id, 0);
    const verdict = history.recordRevert(id, 2000);
    assert.equal(verdict.calmAt, 62_000);
    assert.deepEqual(history.settle(id, 61_999), { ended: false, wasFighting: false });
    assert.deepEqual(history.settle(id, 62_000), { ended: true, wasFighting: true });
    assert.equal(history.delayFor(id, 62_000), 0);
  });

  it('uses the longer of the window and the current backoff as the quiet period', () => {
    const history = new RevertHistory({ fightWindowMs: 1000, backoff: (n) => n * 5000 });
    const verdict = history.recordRevert('x', 0);
    assert.equal(verdict.calmAt, 5000);
    assert.equal(history.delayFor('x', 4999), 5000);
    assert.equal(history.delayFor('x', 5000), 0);
  });

  it('forgets an object when its desired state changes', () => {
    const history = new RevertHistory({ fightThreshold: 1 });
    history.recordRevert('x', 0);
    assert.equal(history.reset('x'), true);
    assert.equal(history.delayFor('x', 1), 0);
  });
});
