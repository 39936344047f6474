import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadManifestFiles } from './load-files.ts';

describe('loadManifestFiles', () => {
  const root = mkdtempSync(join(tmpdir(), 'tagpilot-load-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'apps', 'b'), { recursive: true });
  mkdirSync(join(root, 'apps', '.hidden'));
  writeFileSync(join(root, 'apps', 'z.yaml'), 'z');
  writeFileSync(join(root, 'apps', 'b', 'a.yml'), 'a');
  writeFileSync(join(root, 'apps', 'readme.md'), 'no');
  writeFileSync(join(root, 'apps', 'b', 'Kustomization'), 'k');
  writeFileSync(join(root, 'apps', 'Kustomization.bak'), 'no');
  writeFileSync(join(root, 'apps', '.hidden', 'x.yaml'), 'no');

  it('reads YAML files and files named Kustomization recursively in a stable order, relative to the root', () => {
    assert.deepEqual(loadManifestFiles(root, 'apps'), [
      { path: 'apps/b/a.yml', content: 'a' },
      { path: 'apps/b/Kustomization', content: 'k' },
      { path: 'apps/z.yaml', content: 'z' },
    ]);
  });
  it('returns undefined for a missing path and refuses paths outside the root', () => {
    assert.equal(loadManifestFiles(root, 'nope'), undefined);
    assert.throws(() => loadManifestFiles(root, '../etc'), /escapes/);
  });
});
