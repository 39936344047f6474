import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownsObject, SHARD_LABEL, shardKeyProblem, shardLeaseName, shardSelector } from './sharding.ts';

const labelled = (value?: string) => ({
  metadata: value === undefined ? {} : { labels: { [SHARD_LABEL]: value } },
});

describe('sharding by label', () => {
  it('selects a shard by its key and the unsharded controller by the absence of the label', () => {
    assert.equal(shardSelector('shard1'), 'sharding.tagpilot.io/key=shard1');
    assert.equal(shardSelector(undefined), '!sharding.tagpilot.io/key');
  });

  // name, controller's shard key, object's label value (undefined: no label), owned
  const table: [string, string | undefined, string | undefined, boolean][] = [
    ['a shard owns its own', 'shard1', 'shard1', true],
    ["a shard leaves another shard's", 'shard1', 'shard2', false],
    ['a shard leaves the unlabelled', 'shard1', undefined, false],
    ['the unsharded owns the unlabelled', undefined, undefined, true],
    ['the unsharded leaves every labelled one', undefined, 'shard1', false],
    // `!key` excludes a label with an empty value too; no shard can have an empty key.
    ['nobody owns an empty label value', undefined, '', false],
    ['values compare exactly (case)', 'shard1', 'Shard1', false],
  ];
  for (const [name, shardKey, value, owned] of table) {
    it(name, () => assert.equal(ownsObject(shardKey, labelled(value)), owned));
  }

  it('gives each shard a Lease of its own', () => {
    assert.equal(shardLeaseName('tagpilot-leader', 'shard1'), 'tagpilot-leader-shard1');
    assert.equal(shardLeaseName('tagpilot-leader', undefined), 'tagpilot-leader');
  });

  it('accepts label values as shard keys and says why others are refused', () => {
    for (const ok of ['a', 'shard-1', 'team_a.prod', 'A1', 'x'.repeat(63)])
      assert.equal(shardKeyProblem(ok), undefined);
    assert.match(shardKeyProblem('') ?? '', /must not be empty/);
    assert.match(shardKeyProblem('x'.repeat(64)) ?? '', /64 characters long; a label value has at most 63/);
    for (const bad of ['-a', 'a-', 'a b', 'a/b', 'ä', '.a']) {
      assert.match(shardKeyProblem(bad) ?? '', /is not a label value/, bad);
    }
  });
});
