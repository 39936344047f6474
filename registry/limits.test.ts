import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, HostLimiter, parseRetryAfter } from './limits.ts';

/** A clock whose sleep advances time and records each wait. */
function testClock(start = 1_700_000_000_000) {
  let t = start;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    slept,
  };
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const cases: [string | undefined, number | undefined][] = [
    ['2', 2000],
    [' 120 ', 120_000],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [value, expected] of cases) {
    test(`${JSON.stringify(value)} -> ${expected}`, () =>
      assert.equal(parseRetryAfter(value, now), expected));
  }
});

describe('backoffDelay', () => {
  test('equal jitter: half the ceiling fixed, half random; ceiling doubles and is capped', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 0)),
      [50, 100, 200, 400, 500, 500],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 0.999999)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(
      backoffDelay(1, options, () => 0.5),
      150,
    );
  });

  test('defaults: 250 ms base, 10 s cap', () => {
    assert.equal(
      backoffDelay(0, {}, () => 0.5),
      188,
    );
    assert.equal(
      backoffDelay(10, {}, () => 1),
      10_000,
    );
  });
});

describe('HostLimiter', () => {
  test('the bucket allows a burst, then spaces requests at the rate', async () => {
    const clock = testClock();
    const limiter = new HostLimiter({ ratePerSecond: 10, burst: 3 }, clock);
    for (let i = 0; i < 6; i++) (await limiter.acquire('h'))();
    assert.deepEqual(clock.slept, [100, 100, 100]);
  });

  test('hosts are limited separately', async () => {
    const clock = testClock();
    const limiter = new HostLimiter({ ratePerSecond: 1, burst: 1 }, clock);
    (await limiter.acquire('a'))();
    (await limiter.acquire('b'))();
    assert.deepEqual(clock.slept, []);
    (await limiter.acquire('a'))();
    assert.deepEqual(clock.slept, [1000]);
  });

  test('a 429 halves the rate (down to the floor) and Retry-After pauses the host', async () => {
    const clock = testClock();
    const limiter = new HostLimiter({ ratePerSecond: 8, burst: 1, minRatePerSecond: 1.5 }, clock);
    limiter.rateLimited('h', 2000);
    assert.equal(limiter.rate('h'), 4);
    (await limiter.acquire('h'))();
    assert.deepEqual(clock.slept, [2000]);
    limiter.rateLimited('h', undefined);
    limiter.rateLimited('h', undefined);
    assert.equal(limiter.rate('h'), 1.5);
    assert.equal(limiter.rate('other'), 8);
  });

  test('the rate recovers by 10% per window of successes, up to the configured rate', () => {
    const limiter = new HostLimiter({ ratePerSecond: 100, recoveryWindow: 5 }, testClock());
    limiter.rateLimited('h', undefined);
    assert.equal(limiter.rate('h'), 50);
    for (let i = 0; i < 4; i++) limiter.succeeded('h');
    assert.equal(limiter.rate('h'), 50);
    limiter.succeeded('h');
    assert.equal(limiter.rate('h'), 55);
    for (let i = 0; i < 5 * 10; i++) limiter.succeeded('h');
    assert.equal(limiter.rate('h'), 100);
  });

  test('a 429 in the middle of a window restarts the count', () => {
    const limiter = new HostLimiter({ ratePerSecond: 100, recoveryWindow: 3 }, testClock());
    limiter.rateLimited('h', undefined);
    limiter.succeeded('h');
    limiter.succeeded('h');
    limiter.rateLimited('h', undefined);
    limiter.succeeded('h');
    assert.equal(limiter.rate('h'), 25);
  });

  test('concurrency is capped per host and slots pass to waiters in order', async () => {
    const limiter = new HostLimiter({ concurrency: 2, ratePerSecond: 1000 }, testClock());
    const order: string[] = [];
    const first = await limiter.acquire('h');
    const second = await limiter.acquire('h');
    const third = limiter.acquire('h').then((release) => {
      order.push('third');
      return release;
    });
    const fourth = limiter.acquire('h').then((release) => {
      order.push('fourth');
      return release;
    });
    await Promise.resolve();
    assert.deepEqual(order, []);
    first();
    first(); // a second call of the same release is ignored
    (await third)();
    assert.deepEqual(order, ['third']);
    second();
    (await fourth)();
    assert.deepEqual(order, ['third', 'fourth']);
  });
});
