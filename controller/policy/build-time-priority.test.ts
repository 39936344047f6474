import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTimePriority } from './build-time-priority.ts';

const cases: { name: string; tags: string[]; expected: string[] }[] = [
  {
    name: 'versions first, highest first',
    tags: ['feature-x', '1.2.0', 'v1.10.0', '1.9.0'],
    expected: ['v1.10.0', '1.9.0', '1.2.0', 'feature-x'],
  },
  {
    name: 'then timestamps and dates, latest first',
    tags: ['abc', 'main-20260101', 'main-20260301T1200', 'build-1767312000', '0.1.0'],
    expected: ['0.1.0', 'main-20260301T1200', 'build-1767312000', 'main-20260101', 'abc'],
  },
  {
    name: 'the rest keeps listing order',
    tags: ['zeta', 'alpha', 'm-1234567', 'beta'],
    expected: ['zeta', 'alpha', 'm-1234567', 'beta'],
  },
  { name: 'empty', tags: [], expected: [] },
];

for (const c of cases) {
  test(`buildTimePriority: ${c.name}`, () => {
    assert.deepEqual(buildTimePriority(c.tags), c.expected);
  });
}

test('buildTimePriority returns every tag once', () => {
  const tags = Array.from({ length: 500 }, (_, i) =>
    i % 3 === 0 ? `1.${i}.0` : i % 3 === 1 ? `b-2026${String(i).padStart(4, '0')}` : `t${i}`,
  );
  const out = buildTimePriority(tags);
  assert.equal(out.length, tags.length);
  assert.deepEqual([...out].sort(), [...tags].sort());
});
