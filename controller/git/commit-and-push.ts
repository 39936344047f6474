// One automation run's image updates as one commit, pushed without ever forcing the sync branch:
// when someone else pushed first, fetch, reset, re-run the edits on the new tree, and try again.
// A review branch is rebuilt only over tagpilot's own commits (review-branch.ts).
import { setTimeout as delay } from 'node:timers/promises';
import {
  type AppliedChange,
  applyImageUpdates,
  type ImageUpdate,
  type ManifestCache,
  type ManifestFile,
  type Problem,
  type UnappliedUpdate,
} from '../manifests/index.ts';
import { type BackoffOptions, retryDelayMs } from '../util/backoff.ts';
import { formatCommitMessage, type MessageTemplate, toCommitChanges } from './commit-message.ts';
import { GitError } from './errors.ts';
import type { Repository } from './repository.ts';
import { inspectReviewBranch, withAutomationTrailer } from './review-branch.ts';
import type { CommitAuthor } from './types.ts';

/** The author and committer of automated commits unless configured. */
export const DEFAULT_AUTHOR: CommitAuthor = { name: 'tagpilot', email: 'tagpilot@users.noreply.local' };

/** Default number of retries after a push rejected as not fast-forward. */
export const DEFAULT_MAX_RETRIES = 4;

const ZERO_OID = '0000000000000000000000000000000000000000';

/**
 * The updates to write: a list, re-applied as is on every attempt (`applyImageUpdates` is idempotent),
 * or a function of the current manifests, re-run on the new tree after a rejected push so that it can
 * decide again (e.g. not downgrade an image that someone else bumped further meanwhile).
 */
export type UpdatesSource =
  | readonly ImageUpdate[]
  | ((files: readonly ManifestFile[]) => readonly ImageUpdate[] | Promise<readonly ImageUpdate[]>);

/** Options of `commitAndPush`. */
export interface CommitAndPushOptions {
  /** An open working copy, at the commit the updates were decided on (or older). */
  repo: Repository;
  updates: UpdatesSource;
  /** Directory whose manifests the updates see (the GitSync path). Default `.` (the whole repository). */
  path?: string;
  /** Author and committer. Default `tagpilot <tagpilot@users.noreply.local>`. */
  author?: CommitAuthor;
  /** Commit message template. Default: see `formatCommitMessage`. */
  messageTemplate?: MessageTemplate;
  /**
   * Branch to push to. Default: the synced branch, which is only ever fast-forwarded. A different
   * branch (a review flow) gets the sync head plus this commit, force-updated only over tagpilot's
   * own commits; on top of anyone else's commits it is fast-forwarded (see `review-branch.ts`).
   */
  pushBranch?: string;
  /** Retries after a push rejected as not fast-forward. Default 4. */
  maxRetries?: number;
  /** Delays between retries. Default: 250 ms doubling up to 8 s, with jitter. */
  backoff?: BackoffOptions;
  /** Waits between retries. Default `timers/promises` setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Commit time. Default `new Date()`. */
  now?: () => Date;
  /** The parse cache the automation passes to `readManifests`, so that edits re-use its parses. Default none. */
  manifestCache?: ManifestCache;
  /** Called after each commit is written and before it is pushed (for tests and logging). */
  beforePush?: (attempt: { attempt: number; commit: string }) => void | Promise<void>;
}

/** What `commitAndPush` did. */
export interface CommitAndPushResult {
  /** The commit that holds the changes on `branch`; undefined when there was nothing to change. */
  commit: string | undefined;
  /** True when this call pushed `commit`. */
  pushed: boolean;
  /** The branch pushed to (or that would have been). */
  branch: string;
  /** The message of `commit`, when there is one. */
  message: string | undefined;
  /** The scalars rewritten by the final attempt. */
  changes: AppliedChange[];
  /** Updates (or targets) that could not be written. */
  unapplied: UnappliedUpdate[];
  /** Files that could not be read or parsed. */
  problems: Problem[];
  /** Rejected pushes that were retried. */
  retries: number;
}

/**
 * Applies image updates to the working copy's manifests and pushes them as one commit. No change, no
 * commit. A push rejected because the branch moved is retried (bounded, with jittered backoff) after
 * a fetch and reset, re-running the updates on the new tree; if nothing is left to change then
 * (someone else made the same bump), no commit. Throws a GitError (`CONFLICT_RETRIES_EXHAUSTED` when
 * every retry met another concurrent push); the working copy then stays at a remote head.
 *
 * A review branch (`pushBranch` other than the sync branch) gets the sync head plus one commit and is
 * force-updated only while every commit on it that the sync branch lacks is tagpilot's (see
 * `review-branch.ts`); when someone else committed on it, the updates are re-run on its head and
 * pushed as a fast-forward on top, and nothing of theirs is overwritten.
 */
export async function commitAndPush(options: CommitAndPushOptions): Promise<CommitAndPushResult> {
  const { repo } = options;
  const branch = options.pushBranch ?? repo.branch;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptOnce(options, branch, attempt);
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

type Attempt = { result: CommitAndPushResult } | { conflict: string };

/** One attempt: on the sync branch, or on a review branch according to whose commits are on it. */
async function attemptOnce(options: CommitAndPushOptions, branch: string, attempt: number): Promise<Attempt> {
  const { repo } = options;
  if (branch === repo.branch)
    return writeAndPush(options, { branch, force: false }, attempt, { review: false });
  const author = options.author ?? DEFAULT_AUTHOR;
  const state = await inspectReviewBranch(repo, branch, author);
  if (state.kind === 'missing')
    return writeAndPush(options, { branch, force: true, expected: ZERO_OID }, attempt, { review: true });
  if (state.kind === 'own')
    return writeAndPush(options, { branch, force: true, expected: state.head }, attempt, { review: true });
  // Someone else committed on it: re-run the updates on its head and fast-forward it, or stop.
  const diverged = (why: string, cause?: unknown) =>
    new GitError(
      'REVIEW_BRANCH_DIVERGED',
      `push ${repo.url}: ${branch} has a commit by someone else (${state.commit.slice(0, 12)}) and the updates do not fit on top of it (${why}); ${branch} was left as it is`,
      { url: repo.url, operation: 'push', cause },
    );
  return repo.atCommit(state.head, async () => {
    try {
      return await writeAndPush(options, { branch, force: false }, attempt, { review: true, strict: true });
    } catch (error) {
      if (error instanceof GitError && error.code === 'PATH_NOT_FOUND') throw diverged(error.message, error);
      if (error instanceof UnfitUpdates) throw diverged(error.message);
      throw error;
    }
  });
}

/** Updates that could not be written on top of someone else's commit. */
class UnfitUpdates extends Error {}

/** Applies the updates to the files of the working copy's commit, commits on it, pushes. */
async function writeAndPush(
  options: CommitAndPushOptions,
  push: { branch: string; force: boolean; expected?: string },
  attempt: number,
  mode: { review: boolean; strict?: boolean },
): Promise<Attempt> {
  const { repo } = options;
  const { files, problems } = await repo.readFiles(options.path);
  const updates = typeof options.updates === 'function' ? await options.updates(files) : options.updates;
  const applied = applyImageUpdates(files, updates, { cache: options.manifestCache });
  const result: CommitAndPushResult = {
    commit: undefined,
    pushed: false,
    branch: push.branch,
    message: undefined,
    changes: applied.changes,
    unapplied: applied.unapplied,
    problems: [...problems, ...applied.problems],
    retries: attempt,
  };
  if (mode.strict && applied.unapplied.length > 0) {
    throw new UnfitUpdates(applied.unapplied.map((u) => u.reason).join('; '));
  }
  if (applied.files.length === 0) return { result };
  const formatted = formatCommitMessage(toCommitChanges(applied.changes), options.messageTemplate);
  const message = mode.review ? withAutomationTrailer(formatted) : formatted;
  const commit = await repo.createCommit({
    files: applied.files,
    message,
    author: options.author ?? DEFAULT_AUTHOR,
    date: (options.now ?? (() => new Date()))(),
  });
  await options.beforePush?.({ attempt, commit: commit.oid });
  const outcome = await repo.push(commit, push);
  if (outcome.status === 'conflict') return { conflict: outcome.reason };
  if (outcome.status === 'up-to-date') return { result: { ...result, commit: outcome.commit, message } };
  if (!mode.review) await repo.adopt(commit);
  return { result: { ...result, commit: commit.oid, pushed: true, message } };
}
