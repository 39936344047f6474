import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenCache, tokenExpiresAt } from './token-cache.ts';

describe('tokenExpiresAt', () => {
  const t = 1_000_000;
  const cases: [string, number | undefined, number, number][] = [
    ['expires_in minus the margin', 300, 10_000, t + 290_000],
    ['missing expires_in means 60 s (distribution spec)', undefined, 10_000, t + 50_000],
    ['shorter than 60 s is read as 60 s', 5, 10_000, t + 50_000],
    ['the margin never takes more than half the lifetime', 60, 45_000, t + 30_000],
    ['no margin', 120, 0, t + 120_000],
  ];
  for (const [name, expiresIn, margin, expected] of cases) {
    test(name, () => assert.equal(tokenExpiresAt(t, expiresIn, margin), expected));
  }
});

describe('TokenCache', () => {
  test('serves a token until its expiry minus the margin, then drops it', () => {
    let now = 1_000_000;
    const cache = new TokenCache({ now: () => now, marginMs: 10_000 });
    cache.set('k', 'tok', now, 300);
    now += 289_999;
    assert.equal(cache.get('k'), 'tok');
    now += 1;
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });

  test('delete forgets a refused token', () => {
    const cache = new TokenCache({ now: () => 0 });
    cache.set('k', 'tok', 0, 300);
    cache.delete('k');
    assert.equal(cache.get('k'), undefined);
  });

  test('is bounded: expired entries go first, then the oldest', () => {
    let now = 0;
    const cache = new TokenCache({ now: () => now, maxEntries: 2, marginMs: 0 });
    cache.set('short', 's', now, 60);
    cache.set('a', 'a', now, 300);
    now = 61_000;
    cache.set('b', 'b', now, 300);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), 'a');
    cache.set('c', 'c', now, 300);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('b'), 'b');
    assert.equal(cache.get('c'), 'c');
  });
});
