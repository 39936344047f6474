import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProgress } from './progress.ts';

/** A stream that records writes and a schedule whose timer the test fires by hand. */
function harness(enabled: boolean) {
  const written: string[] = [];
  let fire: (() => void) | undefined;
  let cancelled = false;
  const progress = startProgress({
    stream: { write: (text: string) => written.push(text) },
    enabled,
    schedule: (fn, ms) => {
      assert.equal(ms, 1000);
      fire = fn;
      return () => {
        cancelled = true;
      };
    },
  });
  return { progress, written, fire: () => fire?.(), cancelled: () => cancelled };
}

describe('progress display', () => {
  it('draws nothing during the first second, then the latest text, and erases it at the end', () => {
    const h = harness(true);
    h.progress.update('listing tags of app');
    h.progress.update('reading build times of app: 0/40');
    assert.deepEqual(h.written, []);
    h.fire();
    assert.deepEqual(h.written, ['\r\x1b[2Kreading build times of app: 0/40…']);
    h.progress.update('reading build times of app: 32/40');
    assert.equal(h.written.length, 2);
    h.progress.stop();
    assert.equal(h.written.at(-1), '\r\x1b[2K');
    h.progress.update('late');
    assert.equal(h.written.length, 3);
  });

  it('writes nothing at all for a scan that ends within the second', () => {
    const h = harness(true);
    h.progress.update('listing tags of app');
    h.progress.stop();
    h.fire();
    assert.deepEqual(h.written, []);
    assert.ok(h.cancelled());
  });

  it('writes nothing when stdout is not a terminal', () => {
    const h = harness(false);
    h.progress.update('listing tags of app');
    h.fire();
    h.progress.stop();
    assert.deepEqual(h.written, []);
  });
});
