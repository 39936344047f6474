// A working copy of one branch of one repository in a cache directory: cloned once (shallow), then
// fetched incrementally, and reset to the remote head of the branch on every refresh. The directory
// belongs to tagpilot: whatever else is found in it (leftovers of a crashed run) is deleted.
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import git, { type HttpClient } from 'isomorphic-git';
import type { ManifestFile, Problem } from '../manifests/index.ts';
import { authorizationHeader, type GitAuth, sanitizeUrl, secretsOf } from './auth.ts';
import type { FileSystem, GitContext } from './context.ts';
import { type ErrorContext, errorCode, GitError, type GitOperation, toGitError } from './errors.ts';
import { syncBackedFs } from './sync-fs.ts';
import {
  pruneTreeCache,
  readSnapshot,
  type Snapshot,
  type TreeCache,
  type TreeFile,
  writeChangedTree,
} from './tree.ts';
import { WorkingTree } from './working-tree.ts';

/** Options of `openRepository`. */
export interface OpenRepositoryOptions {
  /** Cache directory for this repository's working copy; created when missing. Everything in it is tagpilot's. */
  dir: string;
  /** `http(s)://host/path.git`. Credentials in the URL are used as Basic auth when `auth` is unset, and never shown. */
  url: string;
  /** The branch to sync and, by default, to push to. Default `main`. */
  branch?: string;
  /** Credentials; default none (or those in the URL). */
  auth?: GitAuth;
  /** The HTTP client, from `createGitHttpClient`. */
  http: HttpClient;
  /** File system. Default `node:fs`. */
  fs?: FileSystem;
  /** Re-clone when a fetch has left more than this many packs (every fetch with news adds one). Default 50. */
  maxPacks?: number;
}

/** A commit id and its message. */
export interface HeadCommit {
  oid: string;
  message: string;
}

/** The manifests of a path, and the files that could not be read as text. */
export interface ReadFilesResult {
  files: ManifestFile[];
  problems: Problem[];
}

/** Author (and committer) of a commit. */
export interface CommitAuthor {
  name: string;
  email: string;
}

/** A commit written locally by `createCommit`, not yet pushed. */
export interface PreparedCommit {
  oid: string;
  parent: string;
  tree: string;
  message: string;
  /** The replaced files with their new bytes. */
  files: { file: TreeFile; bytes: Uint8Array }[];
  dirs: Map<string, string>;
}

/** How a push ended, when it did not throw. */
export type PushOutcome =
  | { status: 'pushed' }
  /** The remote branch already holds the same change on the same parent (only for a force-updated push branch). */
  | { status: 'up-to-date'; commit: string }
  /** The remote branch moved since our last fetch: not a fast-forward. */
  | { status: 'conflict'; reason: string };

const DEFAULT_BRANCH = 'main';
const DEFAULT_MAX_PACKS = 50;
const REMOTE = 'origin';
const PUSH_REF = 'refs/tagpilot/push';
const ZERO_OID = '0000000000000000000000000000000000000000';
const MANIFEST_PATH = /\.ya?ml$/;
const REGULAR_FILE = new Set(['100644', '100755']);
/** Server answers to a push whose old value no longer matches: someone else pushed first. */
const CONFLICT_REASON =
  /non-fast-forward|fetch first|failed to update ref|cannot lock ref|stale info|failed to lock/i;

/** True for the files the manifest reader gets: `*.yaml` and `*.yml`. */
export function isManifestPath(path: string): boolean {
  return MANIFEST_PATH.test(path);
}

/**
 * Opens the working copy in `dir`: clones the branch (depth 1) when the directory holds no clone of
 * `url`, fetches only new objects otherwise, and resets the files to the remote head. Errors are
 * GitErrors; a failed clone leaves no `.git` behind, and a failed fetch leaves the copy as it was.
 */
export async function openRepository(options: OpenRepositoryOptions): Promise<Repository> {
  const sanitized = sanitizeUrl(options.url);
  if (sanitized === undefined) {
    const shown = options.url.replace(/\/\/[^/@]*@/, '//');
    throw new GitError('INVALID_URL', `open ${shown}: not an http(s) Git URL`, {
      url: shown,
      operation: 'clone',
    });
  }
  const repository = new Repository({
    ...options,
    url: sanitized.url,
    auth: options.auth ?? sanitized.auth,
  });
  await repository.refresh();
  return repository;
}

/**
 * A working copy. Not safe for concurrent use: the caller runs one operation at a time per copy
 * (the automation work queue has one worker per GitSync); overlapping calls throw.
 */
export class Repository {
  /** The repository URL without credentials. */
  readonly url: string;
  /** The branch that is synced. */
  readonly branch: string;
  readonly dir: string;
  readonly #ctx: GitContext;
  readonly #http: HttpClient;
  readonly #authorization: string | undefined;
  readonly #secrets: string[];
  readonly #maxPacks: number;
  readonly #trees: TreeCache = new Map();
  readonly #workingTree: WorkingTree;
  #snapshot: Snapshot | undefined;
  #busy = false;

  /** Use `openRepository`. */
  constructor(options: OpenRepositoryOptions & { url: string }) {
    this.url = options.url;
    this.branch = options.branch ?? DEFAULT_BRANCH;
    this.dir = options.dir;
    const fs = options.fs ?? nodeFs;
    this.#ctx = { fs, gitFs: syncBackedFs(fs), dir: options.dir, cache: {}, url: options.url };
    this.#http = options.http;
    this.#authorization = options.auth === undefined ? undefined : authorizationHeader(options.auth);
    this.#secrets = secretsOf(options.auth);
    this.#maxPacks = options.maxPacks ?? DEFAULT_MAX_PACKS;
    this.#workingTree = new WorkingTree(this.#ctx);
  }

  /** The commit the working copy is at. */
  head(): HeadCommit {
    const snapshot = this.#current();
    return { oid: snapshot.commit, message: snapshot.message.trimEnd() };
  }

  /** Fetches the branch (only what is new) and resets the working copy to its remote head. */
  async refresh(): Promise<HeadCommit> {
    return this.#exclusive('fetch', async () => {
      const oid = await this.#updateObjects();
      await this.#checkout(oid);
      return this.head();
    });
  }

  /** Every `*.yaml`/`*.yml` file under `path` (repository-relative, default `.`) of the current commit. */
  async readFiles(path = '.'): Promise<ReadFilesResult> {
    const snapshot = this.#current();
    const prefix = normalizeDir(path, this.#errorContext('read'));
    if (prefix !== '' && !snapshot.dirs.has(prefix)) {
      throw new GitError('PATH_NOT_FOUND', `read ${this.url}: no directory ${prefix} in ${this.branch}`, {
        url: this.url,
        operation: 'read',
      });
    }
    const result: ReadFilesResult = { files: [], problems: [] };
    for (const file of snapshot.files) {
      if (!isManifestPath(file.path) || !REGULAR_FILE.has(file.mode)) continue;
      if (prefix !== '' && !file.path.startsWith(`${prefix}/`)) continue;
      const content = await this.#workingTree.text(file);
      if (content === undefined) {
        result.problems.push({ path: file.path, line: 1, message: 'not valid UTF-8; skipped' });
        continue;
      }
      result.files.push({ path: file.path, content });
    }
    return result;
  }

  /**
   * Writes a commit on top of the current head in which `files` (existing paths) have the given
   * content; nothing else changes. The working copy and its branch stay where they are.
   */
  async createCommit(options: {
    files: readonly ManifestFile[];
    message: string;
    author: CommitAuthor;
    date: Date;
  }): Promise<PreparedCommit> {
    return this.#exclusive('push', async () => {
      const snapshot = this.#current();
      const { gitFs: fs, dir } = this.#ctx;
      const changed = new Map<string, string>();
      const files: PreparedCommit['files'] = [];
      for (const { path, content } of options.files) {
        const old = snapshot.byPath.get(path);
        if (old === undefined) throw new Error(`createCommit: ${path} is not a file of ${snapshot.commit}`);
        const bytes = Buffer.from(content, 'utf8');
        const oid = await git.writeBlob({ fs, dir, blob: bytes });
        changed.set(path, oid);
        files.push({ file: { ...old, oid }, bytes });
      }
      const { tree, dirs } = await writeChangedTree(this.#ctx, this.#trees, snapshot, changed);
      const person = {
        name: options.author.name,
        email: options.author.email,
        timestamp: Math.floor(options.date.getTime() / 1000),
        timezoneOffset: 0,
      };
      const message = options.message.endsWith('\n') ? options.message : `${options.message}\n`;
      const commit = { message, tree, parent: [snapshot.commit], author: person, committer: person };
      const oid = await git.writeCommit({ fs, dir, commit });
      return { oid, parent: snapshot.commit, tree, message, files, dirs };
    });
  }

  /**
   * Pushes a prepared commit to `branch`. Without `force` a push that is not a fast-forward comes
   * back as `conflict` (never forced). With `force` the branch is overwritten, unless it already
   * holds the same tree on the same parent (`up-to-date`: nothing is pushed).
   */
  async push(commit: PreparedCommit, options: { branch: string; force: boolean }): Promise<PushOutcome> {
    return this.#exclusive('push', async () => {
      const { gitFs: fs, dir, cache } = this.#ctx;
      await git.writeRef({ fs, dir, ref: PUSH_REF, value: commit.oid, force: true });
      let existing: string | undefined;
      const onPrePush = async ({ remoteRef }: { remoteRef: { oid: string } }) => {
        if (!(await this.#holdsSameChange(remoteRef.oid, commit))) return true;
        existing = remoteRef.oid;
        return false;
      };
      try {
        await git.push({
          fs,
          http: this.#http,
          dir,
          cache,
          ref: PUSH_REF,
          remote: REMOTE,
          remoteRef: `refs/heads/${options.branch}`,
          force: options.force,
          headers: this.#headers(),
          ...(options.force ? { onPrePush } : {}),
        });
        return { status: 'pushed' };
      } catch (error) {
        if (existing !== undefined) return { status: 'up-to-date', commit: existing };
        const conflict = conflictReason(error);
        if (conflict !== undefined) return { status: 'conflict', reason: conflict };
        throw this.#pushError(error, options.branch);
      }
    });
  }

  /** Moves the working copy to a commit that was just pushed to its own branch. */
  async adopt(commit: PreparedCommit): Promise<void> {
    await this.#exclusive('push', async () => {
      const snapshot = this.#current();
      if (commit.parent !== snapshot.commit)
        throw new Error(`adopt: ${commit.oid} is not a child of the head`);
      const { gitFs: fs, dir } = this.#ctx;
      await git.writeRef({ fs, dir, ref: `refs/heads/${this.branch}`, value: commit.oid, force: true });
      const byPath = new Map(snapshot.byPath);
      for (const { file } of commit.files) byPath.set(file.path, file);
      const next: Snapshot = {
        commit: commit.oid,
        message: commit.message,
        files: snapshot.files.map((file) => byPath.get(file.path) ?? file),
        byPath,
        dirs: commit.dirs,
      };
      this.#snapshot = next;
      for (const { file, bytes } of commit.files)
        this.#workingTree.write(file, bytes, isManifestPath(file.path));
      this.#workingTree.writeIndex(next);
      pruneTreeCache(this.#trees, next);
    });
  }

  async #exclusive<T>(operation: GitOperation, fn: () => Promise<T>): Promise<T> {
    if (this.#busy) throw new Error(`working copy ${this.dir} is already in use (${operation})`);
    this.#busy = true;
    try {
      return await fn();
    } catch (error) {
      throw toGitError(error, this.#errorContext(operation));
    } finally {
      this.#busy = false;
    }
  }

  /** Brings the objects of the remote head into the object store (clone or fetch) and returns its id. */
  async #updateObjects(): Promise<string> {
    if (!(await this.#hasClone())) return this.#clone();
    if (this.#packCount() > this.#maxPacks) return this.#clone();
    try {
      const remote = await this.#remoteHead();
      if (await this.#hasCommit(remote)) return remote;
      return await this.#fetch();
    } catch (error) {
      const gitError = toGitError(error, this.#errorContext('fetch'));
      if (gitError.code !== 'LOCAL') throw gitError;
      // The object store is damaged (e.g. a pack cut short by a crash): start again from a clone.
      return this.#clone();
    }
  }

  async #hasClone(): Promise<boolean> {
    const { fs, gitFs, dir } = this.#ctx;
    if (!fs.existsSync(join(dir, '.git', 'HEAD'))) return false;
    try {
      const url = await git.getConfig({ fs: gitFs, dir, path: `remote.${REMOTE}.url` });
      return url === this.url;
    } catch {
      return false;
    }
  }

  #packCount(): number {
    const packDir = join(this.dir, '.git', 'objects', 'pack');
    const names = this.#ctx.fs.readdirSync(packDir, { encoding: 'utf8' });
    return names.filter((name) => name.endsWith('.pack')).length;
  }

  /**
   * Clones the branch into a temporary directory, then moves its `.git` into place: an interrupted
   * or refused clone leaves nothing behind. The files already in `dir` stay and are verified by the
   * checkout, so a re-clone does not rewrite files that are already right.
   */
  async #clone(): Promise<string> {
    const { fs, gitFs } = this.#ctx;
    const temp = `${this.dir}.clone-${randomBytes(6).toString('hex')}`;
    const cache = {};
    try {
      await git.init({ fs: gitFs, dir: temp, defaultBranch: this.branch });
      await git.setConfig({ fs: gitFs, dir: temp, path: `remote.${REMOTE}.url`, value: this.url });
      const refspec = `+refs/heads/${this.branch}:refs/remotes/${REMOTE}/${this.branch}`;
      await git.setConfig({ fs: gitFs, dir: temp, path: `remote.${REMOTE}.fetch`, value: refspec });
      const oid = await this.#fetchInto(temp, cache, 1);
      fs.mkdirSync(this.dir, { recursive: true });
      fs.rmSync(join(this.dir, '.git'), { recursive: true, force: true });
      fs.renameSync(join(temp, '.git'), join(this.dir, '.git'));
      this.#ctx.cache = cache;
      return oid;
    } catch (error) {
      throw toGitError(error, this.#errorContext('clone'));
    } finally {
      fs.rmSync(temp, { recursive: true, force: true });
    }
  }

  async #fetch(): Promise<string> {
    return this.#fetchInto(this.dir, this.#ctx.cache, undefined);
  }

  /** Fetches the branch into the clone at `dir`; `depth` 1 for a shallow clone, unset for an incremental fetch. */
  async #fetchInto(dir: string, cache: object, depth: number | undefined): Promise<string> {
    const fetch = (withDepth: number | undefined) =>
      git.fetch({
        fs: this.#ctx.gitFs,
        http: this.#http,
        dir,
        cache,
        ref: this.branch,
        remote: REMOTE,
        remoteRef: this.branch,
        singleBranch: true,
        tags: false,
        headers: this.#headers(),
        ...(withDepth === undefined ? {} : { depth: withDepth }),
      });
    let result: Awaited<ReturnType<typeof fetch>>;
    try {
      result = await fetch(depth);
    } catch (error) {
      // A server without shallow support gets a full clone.
      if (depth === undefined || errorCode(error) !== 'RemoteCapabilityError') throw error;
      result = await fetch(undefined);
    }
    if (result.fetchHead === null) throw this.#branchMissing('fetch');
    return result.fetchHead;
  }

  /** The remote head of the branch, from one ref advertisement request. */
  async #remoteHead(): Promise<string> {
    const ref = `refs/heads/${this.branch}`;
    const refs = await git.listServerRefs({
      http: this.#http,
      url: this.url,
      headers: this.#headers(),
      protocolVersion: 1,
      prefix: ref,
    });
    const head = refs.find((entry) => entry.ref === ref);
    if (head === undefined) throw this.#branchMissing('fetch');
    return head.oid;
  }

  async #hasCommit(oid: string): Promise<boolean> {
    try {
      const { type } = await git.readObject({
        fs: this.#ctx.gitFs,
        dir: this.dir,
        oid,
        cache: this.#ctx.cache,
      });
      return type === 'commit';
    } catch {
      return false;
    }
  }

  async #checkout(oid: string): Promise<void> {
    const { gitFs: fs, dir } = this.#ctx;
    await git.writeRef({ fs, dir, ref: `refs/heads/${this.branch}`, value: oid, force: true });
    await git.writeRef({
      fs,
      dir,
      ref: 'HEAD',
      value: `refs/heads/${this.branch}`,
      symbolic: true,
      force: true,
    });
    const snapshot = await readSnapshot(this.#ctx, oid, this.#trees);
    // Unset while the files change: a failure half way must not leave a snapshot that lies.
    this.#snapshot = undefined;
    await this.#workingTree.reset(snapshot, isManifestPath);
    this.#snapshot = snapshot;
    pruneTreeCache(this.#trees, snapshot);
  }

  /** True when `remoteOid` is a commit we have with the same parent and tree as `commit`. */
  async #holdsSameChange(remoteOid: string, commit: PreparedCommit): Promise<boolean> {
    if (remoteOid === ZERO_OID || !(await this.#hasCommit(remoteOid))) return false;
    const { commit: remote } = await git.readCommit({
      fs: this.#ctx.gitFs,
      dir: this.dir,
      oid: remoteOid,
      cache: this.#ctx.cache,
    });
    return remote.tree === commit.tree && remote.parent.length === 1 && remote.parent[0] === commit.parent;
  }

  #current(): Snapshot {
    if (this.#snapshot === undefined) {
      throw new GitError(
        'LOCAL',
        `read ${this.url}: the working copy was not reset after a failure; refresh it`,
        {
          url: this.url,
          operation: 'read',
          retryable: true,
        },
      );
    }
    return this.#snapshot;
  }

  /** A fresh object per call: isomorphic-git adds its own headers to the object it is given. */
  #headers(): Record<string, string> {
    return this.#authorization === undefined ? {} : { authorization: this.#authorization };
  }

  #errorContext(operation: GitOperation): ErrorContext {
    return { url: this.url, operation, branch: this.branch, secrets: this.#secrets };
  }

  #branchMissing(operation: GitOperation): GitError {
    return new GitError(
      'BRANCH_NOT_FOUND',
      `${operation} ${this.url}: branch ${this.branch} does not exist`,
      {
        url: this.url,
        operation,
      },
    );
  }

  #pushError(error: unknown, branch: string): GitError {
    if (errorCode(error) !== 'GitPushError' && errorCode(error) !== 'PushRejectedError') {
      return toGitError(error, this.#errorContext('push'));
    }
    const reason = pushRejection(error) ?? 'rejected';
    return new GitError('PUSH_REJECTED', `push ${this.url}: the server refused ${branch}: ${reason}`, {
      url: this.url,
      operation: 'push',
      cause: error,
    });
  }
}

/** The reason when the error is a push refused because the remote branch moved; undefined otherwise. */
function conflictReason(error: unknown): string | undefined {
  const code = errorCode(error);
  if (code === 'PushRejectedError') {
    const reason = (error as { data?: { reason?: string } }).data?.reason;
    return reason === 'not-fast-forward' ? 'not a fast-forward' : undefined;
  }
  if (code !== 'GitPushError') return undefined;
  const reason = pushRejection(error);
  return reason !== undefined && CONFLICT_REASON.test(reason) ? reason : undefined;
}

/** The server's reasons for refusing the refs of a push, joined. */
function pushRejection(error: unknown): string | undefined {
  const data = (
    error as {
      data?: {
        reason?: string;
        result?: { error?: string; refs?: Record<string, { ok: boolean; error: string }> };
      };
    }
  ).data;
  if (data?.reason !== undefined) return data.reason;
  const refs = Object.values(data?.result?.refs ?? {}).filter((ref) => !ref.ok);
  const reasons = refs.map((ref) => ref.error).filter((reason) => reason !== '');
  if (data?.result?.error) reasons.unshift(`unpack ${data.result.error}`);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

/** `./apps/` -> `apps`, `.` -> ``; refuses `..` and absolute paths. */
function normalizeDir(path: string, context: ErrorContext): string {
  const parts = path.split(/[/\\]+/).filter((part) => part !== '' && part !== '.');
  if (path.startsWith('/') || parts.some((part) => part === '..' || part.toLowerCase() === '.git')) {
    throw new GitError(
      'UNSAFE_PATH',
      `read ${context.url}: path ${JSON.stringify(path)} leaves the repository`,
      {
        url: context.url,
        operation: 'read',
      },
    );
  }
  return parts.join('/');
}
