import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCondition, isTrue, removeCondition, setCondition } from './conditions.ts';

const t0 = new Date('2026-11-01T00:00:00Z');
const t1 = new Date('2026-11-01T00:05:00Z');

describe('setCondition', () => {
  it('adds a condition with the current time and generation', () => {
    const list = setCondition(
      undefined,
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' },
      {
        now: t0,
        generation: 3,
      },
    );
    assert.deepEqual(list, [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Succeeded',
        message: 'ok',
        lastTransitionTime: t0.toISOString(),
        observedGeneration: 3,
      },
    ]);
  });

  it('keeps lastTransitionTime when only the reason or message changes', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'ScanFailed', message: 'a' },
      { now: t0 },
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'RateLimited', message: 'b' },
      {
        now: t1,
      },
    );
    assert.equal(second[0]?.lastTransitionTime, t0.toISOString());
    assert.equal(second[0]?.reason, 'RateLimited');
  });

  it('moves lastTransitionTime when the status flips, and leaves other conditions alone', () => {
    const first = setCondition(
      [{ type: 'Synced', status: 'True', reason: 'Applied', message: '', lastTransitionTime: 'x' }],
      { type: 'Ready', status: 'False', reason: 'ScanFailed', message: 'a' },
      { now: t0 },
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' },
      {
        now: t1,
      },
    );
    assert.equal(findCondition(second, 'Ready')?.lastTransitionTime, t1.toISOString());
    assert.equal(findCondition(second, 'Synced')?.lastTransitionTime, 'x');
    assert.equal(isTrue(second, 'Ready'), true);
    assert.deepEqual(
      removeCondition(second, 'Ready').map((c) => c.type),
      ['Synced'],
    );
  });
});
