import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type LabelledObject,
  type LeaseView,
  leaseProblem,
  type ShardState,
  shardState,
  UnownedShardEpisodes,
} from './unowned-shards.ts';

const NOW = Date.parse('2026-12-03T10:00:00.000Z');
const renewedAgo = (ms: number, holderIdentity = 'shard-c_1'): LeaseView => ({
  holderIdentity,
  renewTime: new Date(NOW - ms).toISOString().replace('Z', '000Z'),
  leaseDurationSeconds: 15,
});

describe('leaseProblem', () => {
  const cases: { name: string; lease: LeaseView | undefined; expected: string | undefined }[] = [
    { name: 'renewed 1 s ago', lease: renewedAgo(1000), expected: undefined },
    {
      name: 'expired 3 s ago, within the clock-skew allowance',
      lease: renewedAgo(18_000),
      expected: undefined,
    },
    { name: 'expired 10 s ago', lease: renewedAgo(25_000), expected: 'has no live holder' },
    { name: 'no Lease', lease: undefined, expected: 'does not exist' },
    { name: 'released (holder empty)', lease: renewedAgo(1000, ''), expected: 'has no holder' },
    { name: 'holder without renewTime', lease: { holderIdentity: 'x' }, expected: 'has no renewTime' },
  ];
  for (const { name, lease, expected } of cases) {
    it(name, () => assert.equal(leaseProblem(lease, NOW)?.problem, expected));
  }
  it('says since when the Lease expired', () => {
    assert.equal(leaseProblem(renewedAgo(25_000), NOW)?.since, NOW - 10_000);
  });
});

describe('shardState', () => {
  const where = { namespace: 'tagpilot-system', leaseId: 'tagpilot-leader', nowMs: NOW };
  it('a live Lease owns its key', () => {
    assert.deepEqual(shardState('c', renewedAgo(1000), where), { owned: true });
  });
  it('an expired Lease is named with the time it expired', () => {
    assert.deepEqual(shardState('c', renewedAgo(25_000), where), {
      owned: false,
      invalid: false,
      why: 'Lease tagpilot-system/tagpilot-leader-c has no live holder since 2026-12-03T09:59:50.000Z',
    });
  });
  it('a Lease that could not be read leaves the key unknown', () => {
    assert.deepEqual(shardState('c', 'error', where), { owned: 'unknown' });
  });
  it('the empty value and invalid keys have no owner, whatever the Leases say', () => {
    const empty = shardState('', renewedAgo(1000), where);
    assert.equal(empty.owned, false);
    assert.match(empty.owned === false ? empty.why : '', /is empty, and the unsharded controller owns only/);
    const upper = shardState('Team_A', 'error', where);
    assert.equal(upper.owned === false && upper.invalid, true);
  });
});

const object = (
  name: string,
  shardKey: string,
  kind: LabelledObject['kind'] = 'GitSync',
): LabelledObject => ({
  kind,
  apiVersion: 'tagpilot.io/v1alpha1',
  namespace: 'apps',
  name,
  uid: `uid-${name}`,
  shardKey,
});
const down: ShardState = {
  owned: false,
  why: 'Lease tagpilot-system/tagpilot-leader-c does not exist',
  invalid: false,
};
const states = (entries: Record<string, ShardState>) => new Map(Object.entries(entries));

describe('UnownedShardEpisodes', () => {
  it('reports nothing during the grace period, then each object once, then again after the shard ran', () => {
    const episodes = new UnownedShardEpisodes({ graceMs: 120_000 });
    const objects = [object('a', 'c'), object('p', 'c', 'ImagePolicy')];
    const steps = [
      { at: 0, state: down, reports: [], counts: 0, started: 0, ended: [] },
      { at: 60_000, state: down, reports: [], counts: 0, started: 0, ended: [] },
      { at: 120_000, state: down, reports: ['a', 'p'], counts: 2, started: 1, ended: [] },
      { at: 180_000, state: down, reports: [], counts: 2, started: 0, ended: [] },
      { at: 190_000, state: { owned: 'unknown' } as const, reports: [], counts: 2, started: 0, ended: [] },
      { at: 240_000, state: { owned: true } as const, reports: [], counts: 0, started: 0, ended: ['c'] },
      { at: 300_000, state: down, reports: [], counts: 0, started: 0, ended: [] },
      { at: 420_000, state: down, reports: ['a', 'p'], counts: 2, started: 1, ended: [] },
    ];
    for (const step of steps) {
      const outcome = episodes.observe(step.at, objects, states({ c: step.state }));
      const label = `at ${step.at}`;
      assert.deepEqual(
        outcome.reports.map((report) => report.object.name),
        step.reports,
        label,
      );
      assert.equal(
        outcome.counts.reduce((sum, count) => sum + count.count, 0),
        step.counts,
        label,
      );
      assert.equal(outcome.started.length, step.started, label);
      assert.deepEqual(outcome.ended, step.ended, label);
    }
  });

  it('a failover shorter than the grace period says nothing', () => {
    const episodes = new UnownedShardEpisodes({ graceMs: 120_000 });
    const objects = [object('a', 'c')];
    for (const [at, state] of [
      [0, down],
      [60_000, { owned: true }],
      [120_000, down],
      [180_000, down],
    ] as const) {
      assert.deepEqual(episodes.observe(at, objects, states({ c: state })).reports, [], `at ${at}`);
    }
    assert.equal(episodes.observe(240_000, objects, states({ c: down })).reports.length, 1);
  });

  it('an object labelled during an episode is reported at the next check, the others not again', () => {
    const episodes = new UnownedShardEpisodes({ graceMs: 0 });
    assert.equal(episodes.observe(0, [object('a', 'c')], states({ c: down })).reports.length, 1);
    const outcome = episodes.observe(1000, [object('a', 'c'), object('b', 'c')], states({ c: down }));
    assert.deepEqual(
      outcome.reports.map((report) => report.object.name),
      ['b'],
    );
  });

  it('an invalid key is reported at once, with why no controller can own it', () => {
    const episodes = new UnownedShardEpisodes({ graceMs: 120_000 });
    const where = { namespace: 'tagpilot-system', leaseId: 'tagpilot-leader', nowMs: NOW };
    const outcome = episodes.observe(0, [object('a', '')], states({ '': shardState('', undefined, where) }));
    assert.equal(outcome.reports.length, 1);
    assert.match(
      outcome.reports[0]?.note ?? '',
      /^no controller can own this GitSync: the label sharding.tagpilot.io\/key="" is empty/,
    );
  });

  it('the note says what to do', () => {
    const episodes = new UnownedShardEpisodes({ graceMs: 0 });
    const outcome = episodes.observe(0, [object('a', 'c')], states({ c: down }));
    assert.equal(
      outcome.reports[0]?.note,
      'no controller runs shard "c": Lease tagpilot-system/tagpilot-leader-c does not exist; this GitSync is not reconciled. Start a controller with --shard-key c or change the label sharding.tagpilot.io/key',
    );
  });

  it('a key no object carries any more ends its episode', () => {
    const episodes = new UnownedShardEpisodes({ graceMs: 0 });
    episodes.observe(0, [object('a', 'c')], states({ c: down }));
    const outcome = episodes.observe(1000, [], states({}));
    assert.deepEqual(outcome.ended, ['c']);
    assert.deepEqual(outcome.counts, []);
    assert.equal(episodes.observe(2000, [object('a', 'c')], states({ c: down })).reports.length, 1);
  });
});
