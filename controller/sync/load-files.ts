import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { isManifestPath } from '../git/paths.ts';
import type { ManifestFile } from '../manifests/index.ts';

/**
 * Reads every `*.yaml` / `*.yml` / `Kustomization` file (see `isManifestPath`) under `path` inside a working copy (recursively, hidden entries
 * skipped, sorted for a stable order). Returns undefined when the path does not exist, which a
 * sync reports as `PathMissing` instead of pruning everything. A path escaping the root throws.
 */
export function loadManifestFiles(root: string, path: string): ManifestFile[] | undefined {
  const base = resolve(root);
  const dir = resolve(base, path);
  if (dir !== base && !dir.startsWith(base + sep))
    throw new Error(`sync path ${path} escapes the repository`);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(dir);
  } catch {
    return undefined;
  }
  const files: ManifestFile[] = [];
  if (stat.isFile()) return [{ path: relative(base, dir), content: readFileSync(dir, 'utf8') }];
  collect(base, dir, files);
  return files;
}

function collect(base: string, dir: string, files: ManifestFile[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) collect(base, full, files);
    else if (entry.isFile() && (/\.ya?ml$/i.test(entry.name) || isManifestPath(entry.name))) {
      files.push({ path: relative(base, full).split(sep).join('/'), content: readFileSync(full, 'utf8') });
    }
  }
}
