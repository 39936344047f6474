// The network side of a working copy: clone, fetch, ask for the remote head, push. Everything here
// goes through isomorphic-git with our undici transport and an Authorization header built once.
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import git, { type HttpClient } from 'isomorphic-git';
import type { GitContext } from './context.ts';
import { type ErrorContext, errorCode, GitError, type GitOperation, toGitError } from './errors.ts';
import { fetchInWorker } from './fetch-in-worker.ts';

/** One branch of one repository, as the working copy talks to it. */
export interface Remote {
  ctx: GitContext;
  http: HttpClient;
  /** Without credentials. */
  url: string;
  branch: string;
  /** A fresh headers object per call: isomorphic-git adds its own headers to the one it is given. */
  headers(): Record<string, string>;
  errorContext(operation: GitOperation): ErrorContext;
}

/** How a push ended, when it did not throw. */
export type PushOutcome =
  | { status: 'pushed' }
  /** The remote branch already holds the same change on the same parent (only for a force-updated push branch). */
  | { status: 'up-to-date'; commit: string }
  /** The remote branch moved since our last fetch: not a fast-forward. */
  | { status: 'conflict'; reason: string };

/** The name of the remote in the working copy's config. */
export const REMOTE = 'origin';
const PUSH_REF = 'refs/tagpilot/push';
/** Server answers to a push whose old value no longer matches: someone else pushed first. */
const CONFLICT_REASON =
  /non-fast-forward|fetch first|failed to update ref|cannot lock ref|stale info|failed to lock/i;

/**
 * Clones the branch (depth 1) into a temporary directory, then moves its `.git` into `ctx.dir`: an
 * interrupted or refused clone leaves nothing behind. Files already in `ctx.dir` stay (the checkout
 * verifies them). Returns the head commit and the isomorphic-git cache to use from now on.
 */
export async function cloneBranch(remote: Remote): Promise<{ oid: string; cache: object }> {
  const { fs, gitFs, dir } = remote.ctx;
  const temp = `${dir}.clone-${randomBytes(6).toString('hex')}`;
  const cache = {};
  try {
    await git.init({ fs: gitFs, dir: temp, defaultBranch: remote.branch });
    await git.setConfig({ fs: gitFs, dir: temp, path: `remote.${REMOTE}.url`, value: remote.url });
    const refspec = `+refs/heads/${remote.branch}:refs/remotes/${REMOTE}/${remote.branch}`;
    await git.setConfig({ fs: gitFs, dir: temp, path: `remote.${REMOTE}.fetch`, value: refspec });
    const oid = await fetchBranch(remote, { dir: temp, cache, depth: 1 });
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(join(dir, '.git'), { recursive: true, force: true });
    fs.renameSync(join(temp, '.git'), join(dir, '.git'));
    return { oid, cache };
  } catch (error) {
    throw toGitError(error, remote.errorContext('clone'));
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * Fetches the branch into the clone at `dir` and returns its head: with `depth` for a shallow clone
 * (with `relative`, `depth` more commits below the current shallow boundary), without it
 * incrementally (only objects the local branch head does not reach).
 */
export async function fetchBranch(
  remote: Remote,
  target: { dir: string; cache: object; depth?: number; relative?: boolean },
): Promise<string> {
  const fetch = (depth: number | undefined) => {
    // The pack is parsed and indexed in a worker (see fetch-in-worker.ts), on the real file system.
    if (remote.ctx.fs === nodeFs) {
      const job = { dir: target.dir, branch: remote.branch, remote: REMOTE, headers: remote.headers() };
      return fetchInWorker(
        { ...job, relative: target.relative ?? false, ...(depth === undefined ? {} : { depth }) },
        remote.http,
      );
    }
    return git.fetch({
      fs: remote.ctx.gitFs,
      http: remote.http,
      dir: target.dir,
      cache: target.cache,
      ref: remote.branch,
      remote: REMOTE,
      remoteRef: remote.branch,
      singleBranch: true,
      tags: false,
      headers: remote.headers(),
      ...(depth === undefined ? {} : { depth, relative: target.relative ?? false }),
    });
  };
  let result: Awaited<ReturnType<typeof fetch>>;
  try {
    result = await fetch(target.depth);
  } catch (error) {
    // A server without shallow support gets a full clone.
    if (target.depth === undefined || errorCode(error) !== 'RemoteCapabilityError') throw error;
    result = await fetch(undefined);
  }
  if (result.fetchHead === null) throw branchMissing(remote, 'fetch');
  return result.fetchHead;
}

/** The remote head of the branch, from one ref advertisement request. */
export async function remoteHead(remote: Remote): Promise<string> {
  const ref = `refs/heads/${remote.branch}`;
  const refs = await git.listServerRefs({
    http: remote.http,
    url: remote.url,
    headers: remote.headers(),
    protocolVersion: 1,
    prefix: ref,
  });
  const head = refs.find((entry) => entry.ref === ref);
  if (head === undefined) throw branchMissing(remote, 'fetch');
  return head.oid;
}

/** Options of `pushCommit`. */
export interface PushOptions {
  branch: string;
  /**
   * Unset: the push must be a fast-forward from `parent`; when the remote head is anything else,
   * nothing is sent and the outcome is `conflict`. Set: the branch is overwritten (a review branch).
   */
  force: boolean;
  /** With `force`: overwrite only while the remote head is this commit (the zero id: the branch is new). */
  expected?: string | undefined;
  /** The commit our commit was made on. */
  parent: string;
  /** For a forced push: true when the remote head already holds this change (then nothing is sent). */
  isSameChange: (remoteOid: string) => Promise<boolean>;
}

/**
 * Pushes `commit`. The decision is taken right after the ref advertisement, before isomorphic-git
 * walks any objects: its own fast-forward check comes only after walking the whole local history and
 * every tree in it, which is slow in a long-lived cache and pointless when the remote moved.
 */
export async function pushCommit(remote: Remote, commit: string, options: PushOptions): Promise<PushOutcome> {
  const { gitFs: fs, dir, cache } = remote.ctx;
  await git.writeRef({ fs, dir, ref: PUSH_REF, value: commit, force: true });
  let outcome: PushOutcome | undefined;
  const onPrePush = async ({ remoteRef }: { remoteRef: { oid: string } }) => {
    const expected = options.force ? options.expected : options.parent;
    if (expected !== undefined && remoteRef.oid !== expected) {
      outcome = {
        status: 'conflict',
        reason: `the remote head is ${remoteRef.oid.slice(0, 12)}, not ${expected.slice(0, 12)}`,
      };
    } else if (options.force && (await options.isSameChange(remoteRef.oid))) {
      outcome = { status: 'up-to-date', commit: remoteRef.oid };
    }
    return outcome === undefined;
  };
  try {
    await git.push({
      fs,
      http: remote.http,
      dir,
      cache,
      ref: PUSH_REF,
      remote: REMOTE,
      remoteRef: `refs/heads/${options.branch}`,
      force: options.force,
      headers: remote.headers(),
      onPrePush,
    });
    return { status: 'pushed' };
  } catch (error) {
    if (outcome !== undefined) return outcome;
    // The server's own check: someone pushed between the ref advertisement and our pack.
    const conflict = conflictReason(error);
    if (conflict !== undefined) return { status: 'conflict', reason: conflict };
    throw pushError(remote, error, options.branch);
  }
}

/** The error for a branch the remote does not have. */
export function branchMissing(remote: Remote, operation: GitOperation): GitError {
  const { url } = remote.errorContext(operation);
  return new GitError('BRANCH_NOT_FOUND', `${operation} ${url}: branch ${remote.branch} does not exist`, {
    url,
    operation,
  });
}

function pushError(remote: Remote, error: unknown, branch: string): GitError {
  const code = errorCode(error);
  if (code !== 'GitPushError' && code !== 'PushRejectedError') {
    return toGitError(error, remote.errorContext('push'));
  }
  const reason = pushRejection(error) ?? 'rejected';
  const { url } = remote.errorContext('push');
  return new GitError('PUSH_REJECTED', `push ${url}: the server refused ${branch}: ${reason}`, {
    url,
    operation: 'push',
    cause: error,
  });
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

interface PushErrorData {
  reason?: string;
  result?: { error?: string; refs?: Record<string, { ok: boolean; error: string }> };
}

/** The server's reasons for refusing the refs of a push, joined. */
function pushRejection(error: unknown): string | undefined {
  const data = (error as { data?: PushErrorData }).data;
  if (data?.reason !== undefined) return data.reason;
  const refs = Object.values(data?.result?.refs ?? {}).filter((ref) => !ref.ok);
  const reasons = refs.map((ref) => ref.error).filter((reason) => reason !== '');
  if (data?.result?.error) reasons.unshift(`unpack ${data.result.error}`);
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}
