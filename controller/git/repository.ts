// A working copy of one branch of one repository in a cache directory: cloned once (shallow), then
// fetched incrementally, and reset to the remote head of the branch on every refresh. The directory
// belongs to tagpilot: whatever else is found in it (leftovers of a crashed run) is deleted.
// Over 300 lines on purpose: one class whose methods share the private snapshot, caches and the
// exclusive-operation guard; the parts that stand alone live beside it (tree.ts, working-tree.ts,
// remote.ts, review-branch.ts, commit-with-retry.ts).
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { authorizationHeader, isSshAuth, sanitizeUrl, secretsOf } from './auth.ts';
import type { CommitSigner } from './commit-signing.ts';
import type { GitContext } from './context.ts';
import { type ErrorContext, GitError, type GitOperation, toGitError } from './errors.ts';
import { advertiseMissingHead } from './head-advertisement.ts';
import { type KustomizeOptions, renderKustomizations } from './kustomize.ts';
import { isManifestPath, normalizeDir } from './paths.ts';
import { DEFAULT_READ_LIMITS, ReadBudget, type ReadLimits } from './read-limits.ts';
import {
  cloneBranch,
  fetchBranch,
  type PushOutcome,
  pushCommit,
  REMOTE,
  type Remote,
  remoteHead,
} from './remote.ts';
import { writeCommitObject } from './signed-commit.ts';
import { openSshTransport } from './ssh-transport.ts';
import { isSshUrl } from './ssh-url.ts';
import { syncBackedFs } from './sync-fs.ts';
import { pruneTreeCache, readSnapshot, type Snapshot, type TreeCache, writeChangedTree } from './tree.ts';
import type {
  CommitAuthor,
  CommitInfo,
  HeadCommit,
  OpenRepositoryOptions,
  PreparedCommit,
  ReadFilesResult,
  TextFile,
} from './types.ts';
import { WorkingTree } from './working-tree.ts';

const DEFAULT_BRANCH = 'main';
const DEFAULT_MAX_PACKS = 50;
const ZERO_OID = '0000000000000000000000000000000000000000';
const REGULAR_FILE = new Set(['100644', '100755']);

/**
 * Opens the working copy in `dir`: clones the branch (depth 1) when the directory holds no clone of
 * `url`, fetches only new objects otherwise, and resets the files to the remote head. Errors are
 * GitErrors; a failed clone leaves no `.git` behind, and a failed fetch leaves the copy as it was.
 */
export async function openRepository(options: OpenRepositoryOptions): Promise<Repository> {
  if (isSshUrl(options.url)) {
    const ssh = openSshTransport(options);
    const repository = new Repository({
      ...options,
      url: ssh.display,
      http: ssh.client.http,
      transportUrl: ssh.client.url,
    });
    try {
      await repository.refresh();
    } catch (error) {
      ssh.client.close();
      throw error;
    }
    return repository;
  }
  const sanitized = sanitizeUrl(options.url);
  if (sanitized === undefined) {
    const shown = options.url.replace(/\/\/[^/@]*@/, '//');
    throw new GitError('INVALID_URL', `open ${shown}: not an http(s) or SSH Git URL`, {
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
  readonly #remote: Remote;
  readonly #secrets: string[];
  readonly #maxPacks: number;
  readonly #readLimits: ReadLimits;
  readonly #signer: CommitSigner | undefined;
  readonly #trees: TreeCache = new Map();
  /** The last `renderFiles` result and what it was made from. */
  #rendered: { key: string; result: ReadFilesResult } | undefined;
  readonly #workingTree: WorkingTree;
  #snapshot: Snapshot | undefined;
  #busy = false;
  readonly #deepenedFor = new Set<string>();

  /** Use `openRepository`. `transportUrl` is what isomorphic-git is given (default `url`). */
  constructor(options: OpenRepositoryOptions & { url: string; transportUrl?: string }) {
    this.url = options.url;
    const transportUrl = options.transportUrl ?? options.url;
    this.branch = options.branch ?? DEFAULT_BRANCH;
    this.dir = options.dir;
    const fs = options.fs ?? nodeFs;
    this.#ctx = { fs, gitFs: syncBackedFs(fs), dir: options.dir, cache: {}, url: options.url };
    const authorization =
      options.auth === undefined || isSshAuth(options.auth) ? undefined : authorizationHeader(options.auth);
    this.#secrets = secretsOf(options.auth);
    this.#remote = {
      ctx: this.#ctx,
      http: advertiseMissingHead(options.http),
      url: transportUrl,
      branch: this.branch,
      headers: (): Record<string, string> => (authorization === undefined ? {} : { authorization }),
      errorContext: (operation) => this.#errorContext(operation),
    };
    this.#maxPacks = options.maxPacks ?? DEFAULT_MAX_PACKS;
    this.#readLimits = options.readLimits ?? DEFAULT_READ_LIMITS;
    this.#signer = options.signer;
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
      try {
        await this.#checkout(await this.#updateObjects());
      } catch (error) {
        const gitError = toGitError(error, this.#errorContext('fetch'));
        if (gitError.code !== 'LOCAL') throw gitError;
        // The object store is damaged (e.g. a pack cut short by a crash): start again from a clone.
        await this.#checkout(await this.#clone());
      }
      return this.head();
    });
  }

  /**
   * Every manifest file (`isManifestPath`) under `path` (repository-relative, default `.`) of the
   * current commit; with several paths, the files under any of them, each once, in tree order.
   * Throws `PATH_NOT_FOUND` when a path is not a directory of the commit, and `ReadLimitError` when
   * the files are more or larger than the read limits (counted over all paths together).
   */
  async readFiles(path: string | readonly string[] = '.'): Promise<ReadFilesResult> {
    const snapshot = this.#current();
    const prefixes = (typeof path === 'string' ? [path] : path).map((p) =>
      normalizeDir(p, this.#errorContext('read')),
    );
    for (const prefix of prefixes) {
      if (prefix !== '' && !snapshot.dirs.has(prefix)) {
        throw new GitError('PATH_NOT_FOUND', `read ${this.url}: no directory ${prefix} in ${this.branch}`, {
          url: this.url,
          operation: 'read',
        });
      }
    }
    const under = (file: { path: string }) =>
      prefixes.some((prefix) => prefix === '' || file.path.startsWith(`${prefix}/`));
    const selected = snapshot.files.filter(
      (file) => isManifestPath(file.path) && REGULAR_FILE.has(file.mode) && under(file),
    );
    const where = prefixes.map((prefix) => (prefix === '' ? 'the repository root' : prefix)).join(', ');
    // Counted and sized before anything is read: a hostile commit is refused without being loaded.
    const budget = new ReadBudget(this.#readLimits, where);
    budget.countFiles(selected.length);
    for (const file of selected) {
      const size = this.#workingTree.byteSize(file);
      if (size !== undefined && size > this.#readLimits.maxFileBytes) budget.addBytes(file.path, size);
    }
    const result: ReadFilesResult = { files: [], problems: [] };
    for (const file of selected) {
      const content = await this.#workingTree.text(file);
      if (content === undefined) {
        result.problems.push({ path: file.path, line: 1, message: 'not valid UTF-8; skipped' });
        continue;
      }
      budget.addBytes(file.path, Buffer.byteLength(content));
      budget.countDocuments(file.path, content);
      result.files.push({ path: file.path, content });
    }
    return result;
  }

  /**
   * `readFiles`, with every kustomization root under the paths replaced by its `kustomize build`
   * output (kustomize.ts); a build's problems come with the read problems. Kept per commit, paths
   * and options: a re-sync of the same commit does not build again.
   */
  async renderFiles(paths: readonly string[], kustomize: KustomizeOptions): Promise<ReadFilesResult> {
    const read = await this.readFiles(paths);
    const snapshot = this.#current();
    const key = JSON.stringify([snapshot.commit, paths, kustomize]);
    if (this.#rendered?.key === key) return this.#rendered.result;
    const prefixes = paths.map((path) => normalizeDir(path, this.#errorContext('read')));
    const allPaths = snapshot.files.map((file) => file.path);
    const kustomized = await renderKustomizations(this.dir, allPaths, prefixes, read.files, kustomize);
    const result = { files: kustomized.files, problems: [...read.problems, ...kustomized.problems] };
    this.#rendered = { key, result };
    return result;
  }

  /**
   * Writes a commit on top of the current head in which `files` (existing paths) have the given
   * content; nothing else changes. The working copy and its branch stay where they are. Signed with
   * the repository's signer when it has one (`SIGNING_FAILED` when that fails: nothing to push).
   */
  async createCommit(options: {
    files: readonly TextFile[];
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
      const oid = await writeCommitObject(this.#ctx, commit, this.#signer);
      return { oid, parent: snapshot.commit, tree, message, files, dirs };
    });
  }

  /**
   * Pushes a prepared commit to `branch`. Without `force` a push that is not a fast-forward comes
   * back as `conflict` (never forced). With `force` the branch is overwritten, unless it already
   * holds the same tree on the same parent (`up-to-date`: nothing is pushed); with `expected` as well,
   * only while its remote head is still `expected` (else `conflict`).
   */
  async push(
    commit: PreparedCommit,
    options: { branch: string; force: boolean; expected?: string },
  ): Promise<PushOutcome> {
    return this.#exclusive('push', () =>
      pushCommit(this.#remote, commit.oid, {
        ...options,
        parent: commit.parent,
        isSameChange: (remoteOid) => this.#holdsSameChange(remoteOid, commit),
      }),
    );
  }

  /**
   * The remote head of another branch (a review branch), with its objects fetched into this copy;
   * undefined when the branch does not exist. The working copy stays where it is.
   */
  async fetchOtherBranch(branch: string): Promise<string | undefined> {
    return this.#exclusive('fetch', async () => {
      const remote: Remote = { ...this.#remote, branch };
      let head: string;
      try {
        head = await remoteHead(remote);
      } catch (error) {
        if (error instanceof GitError && error.code === 'BRANCH_NOT_FOUND') return undefined;
        throw error;
      }
      if (!(await this.#hasCommit(head)))
        await fetchBranch(remote, { dir: this.dir, cache: this.#ctx.cache });
      return head;
    });
  }

  /** Parents, message and committer of a commit in the object store. */
  async readCommitInfo(oid: string): Promise<CommitInfo> {
    const { commit } = await git.readCommit({
      fs: this.#ctx.gitFs,
      dir: this.dir,
      oid,
      cache: this.#ctx.cache,
    });
    return {
      parents: commit.parent,
      message: commit.message,
      committer: { name: commit.committer.name, email: commit.committer.email },
    };
  }

  /** True when `oid` is the working copy's commit or in its history, as far as the (shallow) copy reaches. */
  async isInHistory(oid: string): Promise<boolean> {
    const head = this.#current().commit;
    if (oid === head) return true;
    try {
      return await git.isDescendent({
        fs: this.#ctx.gitFs,
        dir: this.dir,
        oid: head,
        ancestor: oid,
        depth: -1,
        cache: this.#ctx.cache,
      });
    } catch {
      return false;
    }
  }

  /**
   * Like `isInHistory`, but when the copy is shallow and does not reach `oid`, first fetches up to
   * `commits` more commits of the branch's history (once per `oid` for the life of this object).
   */
  async isInDeepHistory(oid: string, commits: number): Promise<boolean> {
    if (await this.isInHistory(oid)) return true;
    if (this.#deepenedFor.has(oid) || !this.#ctx.fs.existsSync(join(this.dir, '.git', 'shallow')))
      return false;
    this.#deepenedFor.add(oid);
    await this.#exclusive('fetch', () =>
      fetchBranch(this.#remote, { dir: this.dir, cache: this.#ctx.cache, depth: commits, relative: true }),
    );
    return this.isInHistory(oid);
  }

  /**
   * Runs `fn` with the working copy at `oid` (a commit fetched with `fetchOtherBranch`), so that
   * `readFiles` and `createCommit` work on it; afterwards the copy is back at its own commit (a
   * local checkout, no network). If that fails the copy refuses reads until the next refresh.
   */
  async atCommit<T>(oid: string, fn: () => Promise<T>): Promise<T> {
    const own = this.#current().commit;
    await this.#exclusive('read', () => this.#checkout(oid));
    try {
      return await fn();
    } finally {
      await this.#exclusive('read', () => this.#checkout(own));
    }
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
      // Unset while the files change, as in a checkout: a failure here is repaired by the next refresh.
      this.#snapshot = undefined;
      for (const { file, bytes } of commit.files) {
        this.#workingTree.write(file, bytes, isManifestPath(file.path));
      }
      this.#workingTree.writeIndex(next);
      this.#snapshot = next;
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
    const remote = await remoteHead(this.#remote);
    if (await this.#hasCommit(remote)) return remote;
    return fetchBranch(this.#remote, { dir: this.dir, cache: this.#ctx.cache });
  }

  async #clone(): Promise<string> {
    const { oid, cache } = await cloneBranch(this.#remote);
    this.#ctx.cache = cache;
    return oid;
  }

  async #hasClone(): Promise<boolean> {
    const { fs, gitFs, dir } = this.#ctx;
    if (!fs.existsSync(join(dir, '.git', 'HEAD'))) return false;
    try {
      const url = await git.getConfig({ fs: gitFs, dir, path: `remote.${REMOTE}.url` });
      return url === this.#remote.url;
    } catch {
      return false;
    }
  }

  /** Packs in the object store; infinite when it cannot be listed (a broken `.git` is re-cloned). */
  #packCount(): number {
    const packDir = join(this.dir, '.git', 'objects', 'pack');
    try {
      const names = this.#ctx.fs.readdirSync(packDir, { encoding: 'utf8' });
      return names.filter((name) => name.endsWith('.pack')).length;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
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
    // A commit with more files than one read may take is not written out (50,000 files would take
    // a minute): `readFiles` counts from the tree and refuses, or reads the few it needs on demand.
    if (snapshot.files.length > this.#readLimits.maxFiles) this.#workingTree.clear(snapshot);
    else await this.#workingTree.reset(snapshot, isManifestPath);
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

  #errorContext(operation: GitOperation): ErrorContext {
    return { url: this.url, operation, branch: this.branch, secrets: this.#secrets };
  }
}
