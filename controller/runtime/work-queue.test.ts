import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultBackoff, WorkQueue } from './work-queue.ts';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('WorkQueue', () => {
  it('de-duplicates keys that are queued more than once', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const queue = new WorkQueue({
      concurrency: 1,
      process: async (key) => {
        await gate.promise;
        seen.push(key);
        return undefined;
      },
    });
    queue.add('blocker');
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    gate.resolve();
    await queue.idle();
    assert.deepEqual(seen, ['blocker', 'a', 'b']);
  });

  it('never runs one key twice at once, but re-runs it when it changed during a run', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const gate = deferred();
    const queue = new WorkQueue({
      concurrency: 4,
      process: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        if (runs === 1) await gate.promise;
        running--;
        return undefined;
      },
    });
    queue.add('k');
    await new Promise((r) => setImmediate(r));
    queue.add('k');
    queue.add('k');
    gate.resolve();
    await queue.idle();
    assert.equal(maxRunning, 1);
    assert.equal(runs, 2);
  });

  it('bounds concurrency', async () => {
    let running = 0;
    let maxRunning = 0;
    const queue = new WorkQueue({
      concurrency: 2,
      process: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return undefined;
      },
    });
    for (let i = 0; i < 10; i++) queue.add(`k${i}`);
    await queue.idle();
    assert.equal(maxRunning, 2);
  });

  it('retries failures with the backoff it was given and reports them', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const done = deferred();
    const queue = new WorkQueue({
      backoff: (failures) => failures * 5,
      onError: (_key, _error, retryInMs) => delays.push(retryInMs),
      process: async () => {
        attempts++;
        if (attempts < 3) throw new Error('registry down');
        done.resolve();
        return undefined;
      },
    });
    queue.add('k');
    await done.promise;
    assert.deepEqual(delays, [5, 10]);
    assert.equal(attempts, 3);
    await queue.shutdown();
  });

  it('requeues after the interval a successful run asks for', async () => {
    let runs = 0;
    const done = deferred();
    const queue = new WorkQueue({
      process: async () => {
        runs++;
        if (runs === 2) done.resolve();
        return { requeueAfterMs: 10 };
      },
    });
    queue.add('k');
    await done.promise;
    await queue.shutdown();
    assert.equal(runs, 2);
  });

  it('defaults to 1s doubling up to 5 minutes', () => {
    assert.deepEqual([1, 2, 3, 10, 20].map(defaultBackoff), [1000, 2000, 4000, 300_000, 300_000]);
  });
});
