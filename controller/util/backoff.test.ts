import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from './backoff.ts';

describe('retryDelayMs', () => {
  const cases: { name: string; retry: number; random: number; expected: number }[] = [
    { name: 'first retry, lowest jitter', retry: 0, random: 0, expected: 125 },
    { name: 'first retry, highest jitter', retry: 0, random: 0.999999, expected: 250 },
    { name: 'second retry doubles the cap', retry: 1, random: 0.5, expected: 375 },
    { name: 'third retry', retry: 2, random: 0, expected: 500 },
    { name: 'capped at maxMs', retry: 10, random: 0, expected: 4000 },
    { name: 'capped, highest jitter', retry: 30, random: 0.999999, expected: 8000 },
    { name: 'negative retry counts as the first', retry: -1, random: 0, expected: 125 },
  ];
  for (const { name, retry, random, expected } of cases) {
    it(name, () => {
      assert.equal(retryDelayMs(retry, { random: () => random }), expected);
    });
  }

  it('honours baseMs and maxMs', () => {
    assert.equal(retryDelayMs(0, { baseMs: 100, random: () => 0 }), 50);
    assert.equal(retryDelayMs(3, { baseMs: 100, maxMs: 300, random: () => 0 }), 150);
  });

  it('never pauses less than half the cap, and grows until the cap', () => {
    let previousCap = 0;
    for (let retry = 0; retry < 12; retry++) {
      const low = retryDelayMs(retry, { random: () => 0 });
      const high = retryDelayMs(retry, { random: () => 0.999999 });
      assert.ok(low > 0 && low <= high, `retry ${retry}: ${low}..${high}`);
      assert.ok(high >= previousCap, `retry ${retry} shrank`);
      previousCap = high;
    }
  });
});
