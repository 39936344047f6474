import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDocument } from 'yaml';
import { findDuplicateKey } from './duplicate-keys.ts';
import { parseManifestFile, YAML_OPTIONS } from './read-manifests.ts';

describe('findDuplicateKey (the parser check, in one pass)', () => {
  const cases = [
    { name: 'unique keys', yaml: 'a: 1\nb: {c: 1, d: [1, {e: 1}]}\n', expected: undefined },
    { name: 'top level', yaml: 'a: 1\nb: 2\na: 3\n', expected: 'a@10' },
    {
      name: 'in a map inside a sequence',
      yaml: 'x:\n  - {p: 1, q: 2}\n  - {p: 1, p: 2}\n',
      expected: 'p@31',
    },
    { name: 'equal values, different spellings (YAML 1.1)', yaml: '1: a\n0x1: b\n', expected: '1@5' },
    { name: 'same text in different maps', yaml: 'a: {k: 1}\nb: {k: 1}\n', expected: undefined },
    { name: 'aliases are not followed', yaml: 'a: &m {k: 1}\nb: *m\nc: *m\n', expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const doc = parseDocument(c.yaml, { ...YAML_OPTIONS, keepSourceTokens: false });
      const key = findDuplicateKey(doc.contents);
      const found = key === undefined ? undefined : `${String(key.toJSON())}@${key.range?.[0]}`;
      assert.equal(found, c.expected);
    });
  }
});

test('a 100,000-key map (9 MiB) parses in seconds, not minutes', () => {
  // The parser's own duplicate-key check made this 142 s; linear it is about 2.5 s. The bound is
  // generous so a loaded machine cannot flake it, and still far below the quadratic time.
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: big, namespace: x}', 'data:'];
  for (let i = 0; i < 100_000; i++) lines.push(`  key-${i}: "${'v'.repeat(80)}"`);
  const content = `${lines.join('\n')}\n`;
  const started = performance.now();
  const { parsed, problems } = parseManifestFile({ path: 'big.yaml', content });
  const ms = performance.now() - started;
  assert.deepEqual(problems, []);
  assert.equal(parsed.documents.length, 1);
  assert.ok(ms < 30_000, `took ${Math.round(ms)} ms`);
});
