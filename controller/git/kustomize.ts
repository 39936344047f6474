// Kustomize rendering of a GitSync's paths. A directory under a sync path that holds a
// `kustomization.yaml`, `kustomization.yml` or `Kustomization` (a kustomization root) is rendered
// by `kustomize build` on the working copy instead of being read file by file; files outside every
// root stay plain YAML. Only the outermost root counts (`overlays/prod` under a path that has its
// own kustomization is part of that build, not a second one).
//
// What a build may reach is checked before kustomize runs: every `resources`, `bases` and
// `components` entry of every kustomization a root reaches must be a file or directory of the
// working copy (a symlink may not lead out of it), so remote bases are refused unless the
// controller allows them (`--kustomize-remote-bases`), and `helmCharts` is refused (tagpilot runs no
// Helm). Inside a build kustomize's own load restrictor (root only, the default) keeps patches and
// generator files inside the kustomization's directory. A failed build is a render problem naming
// the kustomization and kustomize's message: the sync applies the rest and prunes nothing.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import { parseDocument } from 'yaml';
import type { ReadProblem, TextFile } from './types.ts';

/** The file names kustomize reads as a kustomization, in the order it tries them. */
export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** How kustomize is run. */
export interface KustomizeOptions {
  /** The kustomize binary (default `kustomize`, found on PATH). */
  binary: string;
  /** Let kustomize fetch remote bases (`--kustomize-remote-bases`; default false). */
  allowRemoteBases: boolean;
  /** A build that takes longer is killed and reported (default 60 s). */
  timeoutMs: number;
  /** The most output one build may write (default: the read limit on all manifests). */
  maxOutputBytes: number;
}

export const DEFAULT_KUSTOMIZE: KustomizeOptions = {
  binary: 'kustomize',
  allowRemoteBases: false,
  timeoutMs: 60_000,
  maxOutputBytes: 64 * 1024 * 1024,
};

/** The directory of a kustomization file, or undefined for any other path. */
function kustomizationDir(path: string): string | undefined {
  const base = posix.basename(path);
  if (!(KUSTOMIZATION_NAMES as readonly string[]).includes(base)) return undefined;
  const dir = posix.dirname(path);
  return dir === '.' ? '' : dir;
}

/** Whether `path` is `dir` or inside it (`''` is the repository root). */
export function isUnder(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

/**
 * The kustomization roots under the sync paths (normalized, `''` for the root): directories with a
 * kustomization file that are at or under a path and not inside another such directory there.
 */
export function kustomizationRoots(repoPaths: readonly string[], syncPaths: readonly string[]): string[] {
  const dirs = [...new Set(repoPaths.map(kustomizationDir).filter((d) => d !== undefined))].sort();
  const roots: string[] = [];
  for (const prefix of syncPaths) {
    const inside = dirs.filter((dir) => isUnder(dir, prefix));
    for (const dir of inside) {
      const nested = inside.some((other) => other !== dir && isUnder(dir, other));
      if (!nested && !roots.includes(dir)) roots.push(dir);
    }
  }
  return roots.sort();
}

/** A kustomization file of the working copy, parsed; undefined when the directory has none. */
function readKustomization(checkout: string, dir: string): { file: string; body: unknown } | undefined {
  for (const name of KUSTOMIZATION_NAMES) {
    const file = dir === '' ? name : `${dir}/${name}`;
    const full = join(checkout, file);
    if (!existsSync(full)) continue;
    const document = parseDocument(readFileSync(full, 'utf8'));
    return { file, body: document.errors.length === 0 ? document.toJS() : undefined };
  }
  return undefined;
}

/** A URL, `git@host:…`, or `host.tld/path` (kustomize's remote forms); anything else is a local path. */
export function looksRemote(entry: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ||
    entry.startsWith('git@') ||
    /^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(entry)
  );
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Problems with what the kustomizations reachable from `roots` refer to: entries that are not
 * in the working copy (remote bases, unless allowed; missing files), symlinks out of it, Helm.
 */
export function referenceProblems(
  checkout: string,
  roots: readonly string[],
  allowRemoteBases: boolean,
): ReadProblem[] {
  const top = realpathSync(checkout);
  const problems: ReadProblem[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const kustomization = readKustomization(checkout, dir);
    if (!kustomization || typeof kustomization.body !== 'object' || kustomization.body === null) continue;
    const body = kustomization.body as Record<string, unknown>;
    const at = (message: string) => problems.push({ path: kustomization.file, line: 1, message });
    if (body.helmCharts !== undefined || body.helmChartInflationGenerator !== undefined)
      at('helmCharts needs Helm, which tagpilot does not run: render the chart into the repository instead');
    for (const field of ['resources', 'bases', 'components']) {
      for (const entry of stringList(body[field])) {
        const relativePath = posix.normalize(posix.join(dir === '' ? '.' : dir, entry));
        const full = join(top, relativePath);
        const remote = looksRemote(entry);
        if (!remote && (posix.isAbsolute(entry) || relativePath.startsWith('..'))) {
          at(`${field} entry ${JSON.stringify(entry)} leads out of the repository`);
          continue;
        }
        if (remote || !existsSync(full)) {
          if (remote && allowRemoteBases) continue;
          at(
            remote
              ? `${field} entry ${JSON.stringify(entry)} is a remote base, which is refused (the controller's --kustomize-remote-bases allows them)`
              : `${field} entry ${JSON.stringify(entry)} is not a file or directory of the repository`,
          );
          continue;
        }
        const real = realpathSync(full);
        if (real !== top && !real.startsWith(`${top}${sep}`)) {
          at(`${field} entry ${JSON.stringify(entry)} leads out of the repository (a symlink)`);
          continue;
        }
        if (readKustomization(checkout, relativePath === '.' ? '' : relativePath)) {
          queue.push(relativePath === '.' ? '' : relativePath);
        }
      }
    }
  }
  return problems;
}

/** `kustomize build <root>` in the working copy: its output, or the error it printed. */
export function kustomizeBuild(
  checkout: string,
  root: string,
  options: KustomizeOptions,
): Promise<{ ok: true; yaml: string } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    execFile(
      options.binary,
      ['build', root === '' ? '.' : root],
      {
        cwd: checkout,
        timeout: options.timeoutMs,
        maxBuffer: options.maxOutputBytes,
        // No credentials of the controller's environment reach a remote base.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: checkout, GIT_TERMINAL_PROMPT: '0' },
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ ok: true, yaml: stdout });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        const message =
          code === 'ENOENT'
            ? `the kustomize binary ${JSON.stringify(options.binary)} was not found (the controller's --kustomize-binary)`
            : error.killed
              ? `kustomize build did not finish within ${options.timeoutMs / 1000} s`
              : code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
                ? `kustomize build wrote more than ${options.maxOutputBytes} bytes`
                : (stderr.trim() || error.message).split('\n').slice(0, 8).join('\n').slice(0, 2_000);
        resolve({ ok: false, message });
      },
    );
  });
}

/** The name a kustomization root's output is known by in reports: `overlays/prod (kustomize build)`. */
export function renderedPath(root: string): string {
  return `${root === '' ? '.' : root} (kustomize build)`;
}

/**
 * The files of the sync paths with every kustomization root replaced by its build output
 * (see the top of this file); problems of a root hold prune, as a YAML error would.
 */
export async function renderKustomizations(
  checkout: string,
  repoPaths: readonly string[],
  syncPaths: readonly string[],
  files: readonly TextFile[],
  options: KustomizeOptions,
): Promise<{ files: TextFile[]; problems: ReadProblem[] }> {
  const roots = kustomizationRoots(repoPaths, syncPaths);
  if (roots.length === 0) return { files: [...files], problems: [] };
  const plain = files.filter((file) => !roots.some((root) => isUnder(file.path, root)));
  const problems: ReadProblem[] = [];
  const rendered: TextFile[] = [];
  for (const root of roots) {
    const refused = referenceProblems(checkout, [root], options.allowRemoteBases);
    if (refused.length > 0) {
      problems.push(...refused);
      continue;
    }
    const built = await kustomizeBuild(checkout, root, options);
    if (built.ok) rendered.push({ path: renderedPath(root), content: built.yaml });
    else {
      const file = readKustomization(checkout, root)?.file ?? renderedPath(root);
      problems.push({ path: file, line: 1, message: `kustomize build ${root || '.'}: ${built.message}` });
    }
  }
  return { files: [...plain, ...rendered], problems };
}
