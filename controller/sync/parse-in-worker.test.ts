import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { objectsOfFile, parseManifestObjects, WORKER_PARSE_MIN_LENGTH } from './parse-in-worker.ts';

/** A ConfigMap with `keys` keys, then a document that does not parse. */
function bigFile(keys: number): { path: string; content: string } {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: big, namespace: demo}', 'data:'];
  for (let i = 0; i < keys; i++) lines.push(`  key-${i}: "value ${i}"`);
  lines.push('---', 'kind: [unclosed');
  return { path: 'big.yaml', content: `${lines.join('\n')}\n` };
}

describe('parseManifestObjects', () => {
  it('parses a large file in a worker: the same objects and problems, and the event loop keeps turning', async () => {
    const file = bigFile(20_000);
    assert.ok(file.content.length >= WORKER_PARSE_MIN_LENGTH);
    let turns = 0;
    let parsing = true;
    const counting = (async () => {
      while (parsing) {
        await nextTurn();
        turns++;
      }
    })();
    const parsed = await parseManifestObjects(file);
    parsing = false;
    await counting;
    assert.deepEqual(parsed, objectsOfFile(file));
    assert.equal(parsed.objects.length, 1);
    assert.equal(Object.keys((parsed.objects[0]?.object.data ?? {}) as object).length, 20_000);
    assert.equal(parsed.problems.length, 1);
    assert.match(parsed.problems[0]?.message ?? '', /^document 1 skipped: /);
    assert.ok(turns > 1, `the event loop turned ${turns} times during the parse`);
  });

  it('parses a small file in this thread', async () => {
    const file = bigFile(3);
    assert.deepEqual(await parseManifestObjects(file), objectsOfFile(file));
  });
});
