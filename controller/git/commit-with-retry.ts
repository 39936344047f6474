// One edit of a repository's files as one commit, pushed without ever forcing the sync branch:
// when someone else pushed first, fetch, reset, re-run the edit on the new tree, and try again.
// A review branch is rebuilt only over tagpilot's own commits (review-branch.ts). The one
// commit/push/retry loop: image automation (automation/commit-updates.ts) and the CLI's edit
// commands both go through `commitWithRetry`.
import { setTimeout as delay } from 'node:timers/promises';
import { type BackoffOptions, retryDelayMs } from '../util/backoff.ts';
import { GitError } from './errors.ts';
import type { Repository } from './repository.ts';
import { inspectReviewBranch, withAutomationTrailer } from './review-branch.ts';
import type { CommitAuthor, ReadProblem, TextFile } from './types.ts';

/** Default number of retries after a push rejected as not fast-forward. */
export const DEFAULT_MAX_RETRIES = 4;

const ZERO_OID = '0000000000000000000000000000000000000000';

/** What an edit made of the files it was given. */
export interface FileEdit<T> {
  /** The files whose content changes, with their new content (existing paths only); none: nothing to commit. */
  files: readonly TextFile[];
  /** What the caller wants back from the attempt that counted (e.g. the changes made). */
  value: T;
  /**
   * Set when the edit could not be made in full on this tree, saying why. On top of someone else's
   * commit on a review branch this stops the push (`REVIEW_BRANCH_DIVERGED`); elsewhere it is only
   * reported through `value`.
   */
  incomplete?: string | undefined;
}

/**
 * The edit: a function of the files under `path` at the commit being written on. It is re-run on
 * the new tree after a rejected push, so it must decide afresh from what it is given (idempotent).
 */
export type Edit<T> = (files: readonly TextFile[]) => FileEdit<T> | Promise<FileEdit<T>>;

/** Options of `commitWithRetry`. */
export interface CommitWithRetryOptions<T> {
  edit: Edit<T>;
  /** The commit message, or a function of the edit's value. */
  message: string | ((value: T) => string);
  /** Author and committer. */
  author: CommitAuthor;
  /** Directories whose files the edit sees (the GitSync paths). Default `.` (the whole repository). */
  path?: string | readonly string[];
  /**
   * Branch to push to. Default: the synced branch, which is only ever fast-forwarded. A different
   * branch (a review flow) gets the sync head plus this commit, force-updated only over tagpilot's
   * own commits; on top of anyone else's commits it is fast-forwarded (see `review-branch.ts`).
   */
  pushBranch?: string | undefined;
  /** Run the edit and report it; write and push nothing. Default false. */
  dryRun?: boolean;
  /** Retries after a push rejected as not fast-forward. Default 4. */
  maxRetries?: number;
  /** Delays between retries. Default: 250 ms doubling up to 8 s, with jitter. */
  backoff?: BackoffOptions;
  /** Waits between retries. Default `timers/promises` setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Commit time. Default `new Date()`. */
  now?: () => Date;
  /** Called after each commit is written and before it is pushed (for tests and logging). */
  beforePush?: (attempt: { attempt: number; commit: string }) => void | Promise<void>;
}

/** One file the final attempt changed. */
export interface EditedFile {
  path: string;
  before: string;
  after: string;
}

/** What `commitWithRetry` did. */
export interface CommitWithRetryResult<T> {
  /** The commit that holds the edit on `branch`; undefined when there was nothing to change (or a dry run). */
  commit: string | undefined;
  /** True when this call pushed `commit`. */
  pushed: boolean;
  /** The branch pushed to (or that would have been). */
  branch: string;
  /** The commit the final attempt edited. */
  parent: string;
  /** The message of `commit` (of the commit a dry run would write), when there is one. */
  message: string | undefined;
  /** The edit's value from the final attempt. */
  value: T;
  /** The files the final attempt changed. */
  edited: EditedFile[];
  /** Files under `path` that could not be read as text. */
  problems: ReadProblem[];
  /** Rejected pushes that were retried. */
  retries: number;
}

/**
 * Runs the edit on the working copy's files and pushes the result as one commit. No change, no
 * commit. A push rejected because the branch moved is retried (bounded, with jittered backoff) after
 * a fetch and reset, re-running the edit on the new tree; if nothing is left to change then (someone
 * else made the same edit), no commit. Throws a GitError (`CONFLICT_RETRIES_EXHAUSTED` when every
 * retry met another concurrent push); the working copy then stays at a remote head.
 *
 * A review branch (`pushBranch` other than the sync branch) gets the sync head plus one commit and is
 * force-updated only while every commit on it that the sync branch lacks is tagpilot's (see
 * `review-branch.ts`); when someone else committed on it, the edit is re-run on its head and pushed
 * as a fast-forward on top, and nothing of theirs is overwritten.
 */
export async function commitWithRetry<T>(
  repo: Repository,
  options: CommitWithRetryOptions<T>,
): Promise<CommitWithRetryResult<T>> {
  const branch = options.pushBranch ?? repo.branch;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptOnce(repo, options, branch, attempt);
    if ('result' in outcome) return outcome.result;
    if (attempt >= maxRetries) {
      throw new GitError(
        'CONFLICT_RETRIES_EXHAUSTED',
        `push ${repo.url}: ${branch} kept moving; gave up after ${attempt + 1} attempts (${outcome.conflict})`,
        { url: repo.url, operation: 'push' },
      );
    }
    await sleep(retryDelayMs(attempt, options.backoff));
    await repo.refresh();
  }
}

type Attempt<T> = { result: CommitWithRetryResult<T> } | { conflict: string };

/** How one attempt writes: where, whether over a review branch, whether an incomplete edit stops it. */
interface PushMode {
  branch: string;
  force: boolean;
  expected?: string;
  review: boolean;
  strict?: boolean;
}

/** One attempt: on the sync branch, or on a review branch according to whose commits are on it. */
async function attemptOnce<T>(
  repo: Repository,
  options: CommitWithRetryOptions<T>,
  branch: string,
  attempt: number,
): Promise<Attempt<T>> {
  if (branch === repo.branch || options.dryRun)
    return writeAndPush(repo, options, { branch, force: false, review: branch !== repo.branch }, attempt);
  const state = await inspectReviewBranch(repo, branch, options.author);
  if (state.kind === 'missing')
    return writeAndPush(repo, options, { branch, force: true, expected: ZERO_OID, review: true }, attempt);
  if (state.kind === 'own')
    return writeAndPush(repo, options, { branch, force: true, expected: state.head, review: true }, attempt);
  // Someone else committed on it: re-run the edit on its head and fast-forward it, or stop.
  const diverged = (why: string, cause?: unknown) =>
    new GitError(
      'REVIEW_BRANCH_DIVERGED',
      `push ${repo.url}: ${branch} has a commit by someone else (${state.commit.slice(0, 12)}) and the updates do not fit on top of it (${why}); ${branch} was left as it is`,
      { url: repo.url, operation: 'push', cause },
    );
  return repo.atCommit(state.head, async () => {
    try {
      return await writeAndPush(repo, options, { branch, force: false, review: true, strict: true }, attempt);
    } catch (error) {
      if (error instanceof GitError && error.code === 'PATH_NOT_FOUND') throw diverged(error.message, error);
      if (error instanceof IncompleteEdit) throw diverged(error.message);
      throw error;
    }
  });
}

/** An edit that could not be made in full on top of someone else's commit. */
class IncompleteEdit extends Error {}

/** Runs the edit on the files of the working copy's commit, commits on it, pushes. */
async function writeAndPush<T>(
  repo: Repository,
  options: CommitWithRetryOptions<T>,
  mode: PushMode,
  attempt: number,
): Promise<Attempt<T>> {
  const parent = repo.head().oid;
  const { files, problems } = await repo.readFiles(options.path);
  const edit = await options.edit(files);
  if (mode.strict && edit.incomplete !== undefined) throw new IncompleteEdit(edit.incomplete);
  const before = new Map(files.map((file) => [file.path, file.content]));
  const edited = edit.files.map(({ path, content }) => ({
    path,
    before: before.get(path) ?? '',
    after: content,
  }));
  const result: CommitWithRetryResult<T> = {
    commit: undefined,
    pushed: false,
    branch: mode.branch,
    parent,
    message: undefined,
    value: edit.value,
    edited,
    problems,
    retries: attempt,
  };
  if (edit.files.length === 0) return { result };
  const text = typeof options.message === 'string' ? options.message : options.message(edit.value);
  const message = mode.review ? withAutomationTrailer(text) : text;
  if (options.dryRun) return { result: { ...result, message } };
  const commit = await repo.createCommit({
    files: edit.files,
    message,
    author: options.author,
    date: (options.now ?? (() => new Date()))(),
  });
  await options.beforePush?.({ attempt, commit: commit.oid });
  const outcome = await repo.push(commit, mode);
  if (outcome.status === 'conflict') return { conflict: outcome.reason };
  if (outcome.status === 'up-to-date') return { result: { ...result, commit: outcome.commit, message } };
  if (!mode.review) await repo.adopt(commit);
  return { result: { ...result, commit: commit.oid, pushed: true, message } };
}
