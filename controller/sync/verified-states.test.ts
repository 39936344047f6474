import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { VerifiedStates } from './verified-states.ts';

const at = (resourceVersion: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', resourceVersion },
});
const plan = (value: string) => ({
  body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { value } },
  release: [],
});

describe('VerifiedStates', () => {
  it('trusts a verification while the resourceVersion and the body are the same, within the TTL', () => {
    let now = 0;
    const states = new VerifiedStates({ ttlMs: 1000, now: () => now });
    const key = VerifiedStates.keyOf(plan('1'));
    states.remember('a', at('5'), key);
    assert.equal(states.isCurrent('a', at('5'), key), true);
    assert.equal(states.isCurrent('a', at('6'), key), false, 'someone wrote the object');
    assert.equal(states.isCurrent('a', at('5'), VerifiedStates.keyOf(plan('2'))), false, 'Git changed');
    now = 1000;
    assert.equal(states.isCurrent('a', at('5'), key), false, 'expired: dry-run again');
    states.remember('a', at('5'), key);
    assert.equal(states.isCurrent('a', at('5'), key), true, 'a fresh dry run renews it');
  });

  it('by default outlives the default full re-sync (10 min): periodic re-syncs find it, 30 min expire it', () => {
    let now = 0;
    const states = new VerifiedStates({ now: () => now });
    const key = VerifiedStates.keyOf(plan('1'));
    states.remember('a', at('1'), key);
    now = 2 * 600_000 + 1;
    assert.equal(states.isCurrent('a', at('1'), key), true, 'two default re-syncs later');
    now = 1_800_000;
    assert.equal(states.isCurrent('a', at('1'), key), false);
  });

  it('is off with a TTL of 0 and forgets objects no longer applied', () => {
    const off = new VerifiedStates({ ttlMs: 0 });
    const key = VerifiedStates.keyOf(plan('1'));
    off.remember('a', at('1'), key);
    assert.equal(off.isCurrent('a', at('1'), key), false);
    const states = new VerifiedStates();
    states.remember('a', at('1'), key);
    states.retain(new Set(['b']));
    assert.equal(states.isCurrent('a', at('1'), key), false);
  });
});
