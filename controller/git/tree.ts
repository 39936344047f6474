// Commits as flat file lists, and new trees built from an old tree plus changed blobs, without
// isomorphic-git's index (which would re-hash or re-walk the whole working tree).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import git, { type TreeEntry } from 'isomorphic-git';
import type { GitContext } from './context.ts';
import { GitError } from './errors.ts';

/** One file (blob, symlink or submodule link) of a commit. */
export interface TreeFile {
  /** Repository-relative, `/`-separated. */
  path: string;
  /** `100644`, `100755`, `120000` (symlink) or `160000` (submodule). */
  mode: string;
  oid: string;
}

/** A commit with every file of its tree. */
export interface Snapshot {
  commit: string;
  message: string;
  /** Every file, in tree order (which is the order of the paths' bytes). */
  files: TreeFile[];
  byPath: Map<string, TreeFile>;
  /** Directory path (`''` for the root) -> tree oid. */
  dirs: Map<string, string>;
}

/**
 * Tree entries walked between two turns of the event loop: isomorphic-git's reads resolve without
 * leaving the microtask queue (sync-fs.ts), so a 50,000-file tree would otherwise hold the event
 * loop (and /healthz) for the whole walk.
 */
const ENTRIES_PER_TURN = 1_000;

/** Tree objects by oid; trees are immutable, so entries never go stale. */
export type TreeCache = Map<string, TreeEntry[]>;

/** Reads a commit and walks its whole tree; unchanged subtrees come from `trees`. */
export async function readSnapshot(ctx: GitContext, commit: string, trees: TreeCache): Promise<Snapshot> {
  const { commit: parsed } = await git.readCommit({
    fs: ctx.fs,
    dir: ctx.dir,
    oid: commit,
    cache: ctx.cache,
  });
  const snapshot: Snapshot = {
    commit,
    message: parsed.message,
    files: [],
    byPath: new Map(),
    dirs: new Map(),
  };
  await walk(ctx, trees, snapshot, parsed.tree, '', { entries: 0 });
  return snapshot;
}

async function walk(
  ctx: GitContext,
  trees: TreeCache,
  snapshot: Snapshot,
  oid: string,
  dir: string,
  walked: { entries: number },
) {
  snapshot.dirs.set(dir, oid);
  for (const entry of await readTreeEntries(ctx, trees, oid)) {
    if (++walked.entries % ENTRIES_PER_TURN === 0) await yieldToEventLoop();
    assertSafeName(ctx, entry.path, dir);
    const path = dir === '' ? entry.path : `${dir}/${entry.path}`;
    if (entry.type === 'tree') {
      await walk(ctx, trees, snapshot, entry.oid, path, walked);
      continue;
    }
    const file = { path, mode: entry.mode, oid: entry.oid };
    snapshot.files.push(file);
    snapshot.byPath.set(path, file);
  }
}

async function readTreeEntries(ctx: GitContext, trees: TreeCache, oid: string): Promise<TreeEntry[]> {
  const cached = trees.get(oid);
  if (cached !== undefined) return cached;
  const { tree } = await git.readTree({ fs: ctx.gitFs, dir: ctx.dir, oid, cache: ctx.cache });
  trees.set(oid, tree);
  return tree;
}

/** Refuses names git itself refuses to check out: they would write outside the tree or into `.git`. */
function assertSafeName(ctx: GitContext, name: string, dir: string): void {
  const bad =
    name === '' || name === '.' || name === '..' || name.toLowerCase() === '.git' || /[/\\\0]/.test(name);
  if (!bad) return;
  throw new GitError(
    'UNSAFE_PATH',
    `read ${ctx.url}: refusing tree entry ${JSON.stringify(name)} in ${dir || '/'}`,
    {
      url: ctx.url,
      operation: 'read',
    },
  );
}

/** Drops cached trees that `snapshot` does not use. */
export function pruneTreeCache(trees: TreeCache, snapshot: Snapshot): void {
  const used = new Set(snapshot.dirs.values());
  for (const oid of trees.keys()) if (!used.has(oid)) trees.delete(oid);
}

/**
 * Writes the trees of `snapshot` with the blobs of `changed` (path -> blob oid) replaced, and returns
 * the new root tree oid with the new oid of every rewritten directory. Only existing files change:
 * image edits never add or remove files.
 */
export async function writeChangedTree(
  ctx: GitContext,
  trees: TreeCache,
  snapshot: Snapshot,
  changed: ReadonlyMap<string, string>,
): Promise<{ tree: string; dirs: Map<string, string> }> {
  const edits = new Map<string, Map<string, string>>();
  const edit = (dir: string, name: string, oid: string) => {
    const names = edits.get(dir) ?? new Map<string, string>();
    names.set(name, oid);
    edits.set(dir, names);
  };
  for (const [path, oid] of changed) edit(parentOf(path), baseName(path), oid);
  const dirs = new Map(snapshot.dirs);
  // Deepest directories first, so that each parent sees its children's new oids.
  const pending = new Set<string>();
  for (const dir of edits.keys()) for (const d of ancestorsOf(dir)) pending.add(d);
  const order = [...pending].sort((a, b) => depth(b) - depth(a));
  for (const dir of order) {
    const oldOid = snapshot.dirs.get(dir);
    if (oldOid === undefined) throw new Error(`no tree for directory ${dir} in ${snapshot.commit}`);
    const names = edits.get(dir) ?? new Map<string, string>();
    const entries = (await readTreeEntries(ctx, trees, oldOid)).map((entry) => {
      const oid = names.get(entry.path);
      return oid === undefined ? entry : { ...entry, oid };
    });
    const oid = await git.writeTree({ fs: ctx.gitFs, dir: ctx.dir, tree: entries });
    trees.set(oid, entries);
    dirs.set(dir, oid);
    if (dir !== '') edit(parentOf(dir), baseName(dir), oid);
  }
  const root = dirs.get('');
  if (root === undefined) throw new Error(`no root tree in ${snapshot.commit}`);
  return { tree: root, dirs };
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function ancestorsOf(dir: string): string[] {
  const out = [dir];
  for (let d = dir; d !== ''; ) {
    d = parentOf(d);
    out.push(d);
  }
  return out;
}

function depth(dir: string): number {
  return dir === '' ? 0 : dir.split('/').length;
}
