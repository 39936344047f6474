// The checked-out files of a working copy, made equal to a commit: every file of the commit present
// with its exact bytes and mode, nothing else (leftovers of a crashed run are deleted), and an index
// that matches. A file is trusted without reading it only when its lstat is the one we recorded after
// writing or verifying it in this process; otherwise its bytes are hashed and compared to the blob id.
//
// Synchronous fs calls on purpose: for thousands of small files, readFileSync is ~20x faster than
// fs.promises.readFile (one thread-pool round trip per open/stat/read/close), and a reset of 2,000
// manifests blocks the event loop for tens of milliseconds at most.
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { mapLimit } from '../util/map-limit.ts';
import type { GitContext } from './context.ts';
import { assembleIndex, type EncodedIndexEntry, encodeIndexEntry } from './git-index.ts';
import type { Snapshot, TreeFile } from './tree.ts';

const SYMLINK = '120000';
const GITLINK = '160000';
const EXECUTABLE = '100755';
const BLOB_READ_CONCURRENCY = 8;

interface Trusted {
  oid: string;
  mode: string;
  stat: BigIntStats;
  /** The file's index entry, encoded once. */
  entry: EncodedIndexEntry;
}

/** A decoded file, or `undefined` when its bytes are not valid UTF-8. */
type Text = string | undefined;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The working tree of one working copy and what this process knows about it. */
export class WorkingTree {
  readonly #ctx: GitContext;
  /** path -> what we last wrote or verified there. */
  readonly #trusted = new Map<string, Trusted>();
  /** blob oid -> text, for the manifests of the current commit. */
  readonly #texts = new Map<string, Text>();
  /** The commit the index was last written for, and the index file's lstat after writing it. */
  #indexed: { commit: string; stat: BigIntStats } | undefined;
  /** Something on disk changed since the index was written. */
  #changed = true;

  constructor(ctx: GitContext) {
    this.#ctx = ctx;
  }

  /** Makes the files on disk and the index exactly those of `snapshot`. */
  async reset(snapshot: Snapshot, isText: (path: string) => boolean): Promise<void> {
    this.#removeStrays(snapshot);
    const missing: TreeFile[] = [];
    for (const file of snapshot.files) {
      if (file.mode === GITLINK) continue;
      if (!this.#verify(file, isText(file.path))) missing.push(file);
    }
    await mapLimit(missing, BLOB_READ_CONCURRENCY, async (file) => {
      const bytes = await this.#readBlob(file.oid);
      this.write(file, bytes, isText(file.path));
    });
    this.#forgetOthers(snapshot);
    if (this.#changed || !this.#indexMatches(snapshot.commit)) this.writeIndex(snapshot);
  }

  /** The text of a file of the current commit (cached by blob id; verified against it when read from disk). */
  async text(file: TreeFile): Promise<Text> {
    if (this.#texts.has(file.oid)) return this.#texts.get(file.oid);
    const { fs } = this.#ctx;
    const path = this.#abs(file.path);
    const stat = lstat(this.#ctx, path);
    const bytes = stat?.isFile() ? fs.readFileSync(path) : undefined;
    if (bytes !== undefined && blobId(bytes) === file.oid) {
      const text = decode(bytes);
      this.#texts.set(file.oid, text);
      return text;
    }
    this.write(file, await this.#readBlob(file.oid), true);
    return this.#texts.get(file.oid);
  }

  /** The size in bytes of a file of the current commit as checked out; undefined when it is not on disk. */
  byteSize(file: TreeFile): number | undefined {
    const stat = lstat(this.#ctx, this.#abs(file.path));
    return stat?.isFile() ? Number(stat.size) : undefined;
  }

  /** Writes one file of a commit (and remembers its text and lstat). */
  write(file: TreeFile, bytes: Uint8Array, keepText: boolean): void {
    const { fs } = this.#ctx;
    const path = this.#abs(file.path);
    const existing = lstat(this.#ctx, path);
    const mode = file.mode === EXECUTABLE ? 0o755 : 0o644;
    if (existing !== undefined && (file.mode === SYMLINK || !existing.isFile())) {
      fs.rmSync(path, { recursive: true, force: true });
    }
    if (file.mode === SYMLINK) {
      fs.mkdirSync(dirname(path), { recursive: true });
      fs.symlinkSync(Buffer.from(bytes).toString('utf8'), path);
    } else {
      writeFileCreatingParents(this.#ctx, path, bytes, mode);
      // writeFileSync applies `mode` only to a new file.
      if (existing?.isFile() && (Number(existing.mode) & 0o777) !== mode) fs.chmodSync(path, mode);
    }
    this.#trust(file, bytes.byteLength, fs.lstatSync(path, { bigint: true }));
    if (keepText) this.#texts.set(file.oid, decode(bytes));
  }

  /** Rewrites `.git/index` for `snapshot` from the recorded lstat of each file. */
  writeIndex(snapshot: Snapshot): void {
    const { fs } = this.#ctx;
    const entries = snapshot.files.map((file) => {
      const trusted = this.#trusted.get(file.path);
      if (trusted !== undefined && trusted.oid === file.oid) return trusted.entry;
      return encodeIndexEntry({ path: file.path, mode: file.mode, oid: file.oid, stat: undefined, size: 0 });
    });
    const gitdir = join(this.#ctx.dir, '.git');
    const temp = join(gitdir, 'index.tagpilot.tmp');
    const index = join(gitdir, 'index');
    fs.writeFileSync(temp, assembleIndex(entries));
    fs.renameSync(temp, index);
    this.#indexed = { commit: snapshot.commit, stat: fs.lstatSync(index, { bigint: true }) };
    this.#changed = false;
  }

  /** True when the index on disk is the one we wrote for `commit`. */
  #indexMatches(commit: string): boolean {
    if (this.#indexed?.commit !== commit) return false;
    const stat = lstat(this.#ctx, join(this.#ctx.dir, '.git', 'index'));
    return stat !== undefined && sameStat(stat, this.#indexed.stat);
  }

  /** True when the file on disk is the blob (trusting a recorded lstat); records it when it is. */
  #verify(file: TreeFile, keepText: boolean): boolean {
    const { fs } = this.#ctx;
    const path = this.#abs(file.path);
    const stat = lstat(this.#ctx, path);
    if (stat === undefined) return false;
    const trusted = this.#trusted.get(file.path);
    if (trusted && trusted.oid === file.oid && trusted.mode === file.mode && sameStat(trusted.stat, stat)) {
      return true;
    }
    if (!hasType(stat, file.mode)) return false;
    const bytes = file.mode === SYMLINK ? Buffer.from(fs.readlinkSync(path, 'utf8')) : fs.readFileSync(path);
    if (blobId(bytes) !== file.oid) return false;
    this.#trust(file, bytes.byteLength, stat);
    if (keepText && !this.#texts.has(file.oid)) this.#texts.set(file.oid, decode(bytes));
    return true;
  }

  #trust(file: TreeFile, size: number, stat: BigIntStats): void {
    const entry = encodeIndexEntry({ path: file.path, mode: file.mode, oid: file.oid, stat, size });
    this.#trusted.set(file.path, { oid: file.oid, mode: file.mode, stat, entry });
    this.#changed = true;
  }

  /** Deletes everything on disk (outside `.git`) that is not a file of the snapshot or a directory holding one. */
  #removeStrays(snapshot: Snapshot): void {
    const { fs } = this.#ctx;
    const keepDirs = new Set(snapshot.dirs.keys());
    for (const file of snapshot.files) if (file.mode === GITLINK) keepDirs.add(file.path);
    const visit = (dir: string) => {
      for (const entry of fs.readdirSync(this.#abs(dir), { withFileTypes: true })) {
        const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (dir === '' && entry.name === '.git') continue;
        if (entry.isDirectory() && keepDirs.has(path)) {
          if (snapshot.byPath.get(path)?.mode !== GITLINK) visit(path);
          continue;
        }
        const file = snapshot.byPath.get(path);
        if (file !== undefined && !entry.isDirectory()) continue;
        fs.rmSync(this.#abs(path), { recursive: true, force: true });
        this.#trusted.delete(path);
        this.#changed = true;
      }
    };
    visit('');
  }

  /** Forgets lstat records and texts that the snapshot no longer uses. */
  #forgetOthers(snapshot: Snapshot): void {
    for (const path of this.#trusted.keys()) if (!snapshot.byPath.has(path)) this.#trusted.delete(path);
    const oids = new Set(snapshot.files.map((file) => file.oid));
    for (const oid of this.#texts.keys()) if (!oids.has(oid)) this.#texts.delete(oid);
  }

  async #readBlob(oid: string): Promise<Uint8Array> {
    const { blob } = await git.readBlob({
      fs: this.#ctx.fs,
      dir: this.#ctx.dir,
      oid,
      cache: this.#ctx.cache,
    });
    return blob;
  }

  #abs(path: string): string {
    return path === '' ? this.#ctx.dir : join(this.#ctx.dir, path);
  }
}

/** Git's object id of a blob with these bytes. */
export function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

function decode(bytes: Uint8Array): Text {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Writes a file; creates its directories only when the first attempt finds them missing. */
function writeFileCreatingParents(ctx: GitContext, path: string, bytes: Uint8Array, mode: number): void {
  try {
    ctx.fs.writeFileSync(path, bytes, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    ctx.fs.mkdirSync(dirname(path), { recursive: true });
    ctx.fs.writeFileSync(path, bytes, { mode });
  }
}

function lstat(ctx: GitContext, path: string): BigIntStats | undefined {
  return ctx.fs.lstatSync(path, { bigint: true, throwIfNoEntry: false });
}

function hasType(stat: BigIntStats, mode: string): boolean {
  if (mode === SYMLINK) return stat.isSymbolicLink();
  if (!stat.isFile()) return false;
  const executable = (stat.mode & 0o100n) !== 0n;
  return executable === (mode === EXECUTABLE);
}

function sameStat(a: BigIntStats, b: BigIntStats): boolean {
  return (
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs &&
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.mode === b.mode
  );
}
