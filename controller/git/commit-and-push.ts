// One automation run's image updates as one commit, pushed without ever forcing the sync branch:
// when someone else pushed first, fetch, reset, re-run the edits on the new tree, and try again.
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
import { type BackoffOptions, retryDelayMs } from './backoff.ts';
import { formatCommitMessage, type MessageTemplate, toCommitChanges } from './commit-message.ts';
import { GitError } from './errors.ts';
import type { Repository } from './repository.ts';
import type { CommitAuthor } from './types.ts';

/** The author and committer of automated commits unless configured. */
export const DEFAULT_AUTHOR: CommitAuthor = { name: 'tagpilot', email: 'tagpilot@users.noreply.local' };

/** Default number of retries after a push rejected as not fast-forward. */
export const DEFAULT_MAX_RETRIES = 4;

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
   * branch (a review flow) gets the sync head plus this commit, and is force-updated.
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
 */
export async function commitAndPush(options: CommitAndPushOptions): Promise<CommitAndPushResult> {
  const { repo } = options;
  const branch = options.pushBranch ?? repo.branch;
  const force = branch !== repo.branch;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? (() => new Date());
  for (let attempt = 0; ; attempt++) {
    const { files, problems } = await repo.readFiles(options.path);
    const updates = typeof options.updates === 'function' ? await options.updates(files) : options.updates;
    const applied = applyImageUpdates(files, updates, { cache: options.manifestCache });
    const result: CommitAndPushResult = {
      commit: undefined,
      pushed: false,
      branch,
      message: undefined,
      changes: applied.changes,
      unapplied: applied.unapplied,
      problems: [...problems, ...applied.problems],
      retries: attempt,
    };
    if (applied.files.length === 0) return result;
    const message = formatCommitMessage(toCommitChanges(applied.changes), options.messageTemplate);
    const commit = await repo.createCommit({
      files: applied.files,
      message,
      author: options.author ?? DEFAULT_AUTHOR,
      date: now(),
    });
    await options.beforePush?.({ attempt, commit: commit.oid });
    const outcome = await repo.push(commit, { branch, force });
    if (outcome.status === 'pushed') {
      if (!force) await repo.adopt(commit);
      return { ...result, commit: commit.oid, pushed: true, message };
    }
    if (outcome.status === 'up-to-date') return { ...result, commit: outcome.commit, message };
    if (attempt >= maxRetries) {
      throw new GitError(
        'CONFLICT_RETRIES_EXHAUSTED',
        `push ${repo.url}: ${branch} kept moving; gave up after ${attempt + 1} attempts (${outcome.reason})`,
        { url: repo.url, operation: 'push' },
      );
    }
    await sleep(retryDelayMs(attempt, options.backoff));
    await repo.refresh();
  }
}
