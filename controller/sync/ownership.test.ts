import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ignoreMode, ownerLabelValue } from './ownership.ts';

describe('ownerLabelValue', () => {
  it('is <namespace>.<name> when that is a valid label value', () => {
    assert.equal(ownerLabelValue('flux', 'demo'), 'flux.demo');
  });
  it('hashes long names into a valid, stable, distinct value', () => {
    const long = ownerLabelValue(
      'a-namespace-with-a-long-name',
      'a-gitsync-with-an-even-longer-name-than-that',
    );
    assert.ok(long.length <= 63);
    assert.match(long, /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    assert.equal(
      long,
      ownerLabelValue('a-namespace-with-a-long-name', 'a-gitsync-with-an-even-longer-name-than-that'),
    );
    assert.notEqual(
      long,
      ownerLabelValue('a-namespace-with-a-long-name', 'a-gitsync-with-an-even-longer-name-than-this'),
    );
  });
});

describe('ignoreMode', () => {
  const cases: [Record<string, unknown>, string | undefined][] = [
    [{ 'tagpilot.io/ignore': 'true' }, 'true'],
    [{ 'fluxcd.io/ignore': 'sync_only' }, 'sync_only'],
    [{ 'flux.weave.works/ignore': true }, 'true'],
    [{ 'flux.weave.works/ignore': 'true', 'tagpilot.io/ignore': 'false' }, undefined],
    [{ ignore: 'true' }, undefined],
  ];
  for (const [annotations, expected] of cases) {
    it(JSON.stringify(annotations), () => assert.equal(ignoreMode({ metadata: { annotations } }), expected));
  }
});
