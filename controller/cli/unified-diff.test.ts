import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { unifiedDiff } from './unified-diff.ts';

const lines = (n: number, prefix = 'line') =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join('');

/** The hunks `git diff --no-index` prints for the same change (everything from the first @@). */
function gitHunks(before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-diff-'));
  try {
    writeFileSync(join(dir, 'a'), before);
    writeFileSync(join(dir, 'b'), after);
    try {
      execFileSync('git', ['diff', '--no-index', '--no-color', '-U3', 'a', 'b'], {
        cwd: dir,
        encoding: 'utf8',
      });
      return '';
    } catch (error) {
      const stdout = (error as { stdout: string }).stdout;
      // git adds a "function context" after the second @@; we do not.
      return stdout.slice(stdout.indexOf('@@')).replace(/^(@@ [^@]+ @@).*$/gm, '$1');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ourHunks(before: string, after: string): string {
  const diff = unifiedDiff('f.yaml', before, after);
  return diff.slice(diff.indexOf('@@'));
}

describe('unifiedDiff', () => {
  const base = lines(30);
  const cases: { name: string; before: string; after: string }[] = [
    {
      name: 'one line changed in the middle',
      before: base,
      after: base.replace('line 15\n', 'line fifteen\n'),
    },
    { name: 'first line changed', before: base, after: base.replace('line 1\n', 'first\n') },
    { name: 'last line changed', before: base, after: base.replace('line 30\n', 'last\n') },
    {
      name: 'two changes far apart: two hunks',
      before: base,
      after: base.replace('line 3\n', 'x\n').replace('line 25\n', 'y\n'),
    },
    {
      name: 'two changes close together: one hunk',
      before: base,
      after: base.replace('line 10\n', 'x\n').replace('line 14\n', 'y\n'),
    },
    { name: 'lines added', before: base, after: base.replace('line 20\n', 'line 20\n  new: a\n  new: b\n') },
    { name: 'lines removed', before: base, after: base.replace('line 7\nline 8\n', '') },
    { name: 'no newline at the end, changed', before: 'a\nb\nc', after: 'a\nb\nd' },
    { name: 'newline added at the end', before: 'a\nb\nc', after: 'a\nb\nc\n' },
    { name: 'from empty', before: '', after: 'a\nb\n' },
  ];
  for (const { name, before, after } of cases) {
    it(`${name}: the same hunks as git diff`, () => {
      assert.equal(ourHunks(before, after), gitHunks(before, after));
    });
  }

  it('names the file in the header and is empty when nothing changed', () => {
    const diff = unifiedDiff('deploy/app.yaml', 'a: 1\n', 'a: 2\n');
    assert.equal(
      diff,
      'diff --git a/deploy/app.yaml b/deploy/app.yaml\n--- a/deploy/app.yaml\n+++ b/deploy/app.yaml\n@@ -1 +1 @@\n-a: 1\n+a: 2\n',
    );
    assert.equal(unifiedDiff('x', 'same\n', 'same\n'), '');
  });
});
