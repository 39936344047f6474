// The apply and commit steps of the image update loop: write the planned image updates into the
// manifests (minimal-diff edits through the GitSync's parse cache) and commit them once, through
// git/'s generic `commitWithRetry`. After a rejected push the updates are decided again on the new
// tree, so an image someone else moved further meanwhile is never downgraded.
import { DEFAULT_COMMIT_AUTHOR } from '../api/defaults.ts';
import {
  type BackoffOptions,
  type CommitAuthor,
  commitWithRetry,
  type Repository,
  type TextFile,
} from '../git/index.ts';
import {
  type AppliedChange,
  applyImageUpdates,
  type ImageUpdate,
  type ManifestCache,
  type Problem,
  type UnappliedUpdate,
} from '../manifests/index.ts';
import { formatCommitMessage, type MessageTemplate, toCommitChanges } from './commit-message.ts';
import type { UpdatePlan } from './plan-updates.ts';

/**
 * The updates to write: a list, re-applied as is on every attempt (`applyImageUpdates` is idempotent),
 * or a function of the current manifests, re-run on the new tree after a rejected push so that it can
 * decide again (e.g. not downgrade an image that someone else bumped further meanwhile); the function
 * may return the whole plan, which then comes back in the result.
 */
export type UpdatesSource =
  | readonly ImageUpdate[]
  | ((files: readonly TextFile[]) => Decided | Promise<Decided>);

/** What an updates function decides: the updates, or the plan that holds them. */
type Decided = readonly ImageUpdate[] | UpdatePlan;

/** Options of `commitAndPush`. */
export interface CommitAndPushOptions {
  /** An open working copy, at the commit the updates were decided on (or older). */
  repo: Repository;
  updates: UpdatesSource;
  /** Directories whose manifests the updates see (the GitSync paths). Default `.` (the whole repository). */
  path?: string | readonly string[];
  /** Author and committer. Default `tagpilot <tagpilot@users.noreply.local>`. */
  author?: CommitAuthor;
  /** Commit message template. Default: see `formatCommitMessage`. */
  messageTemplate?: MessageTemplate;
  /** Branch to push to. Default: the synced branch (see `commitWithRetry`). */
  pushBranch?: string;
  /** Retries after a push rejected as not fast-forward. Default 4. */
  maxRetries?: number;
  /** Delays between retries. Default: 250 ms doubling up to 8 s, with jitter. */
  backoff?: BackoffOptions;
  /** Waits between retries. Default `timers/promises` setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Commit time. Default `new Date()`. */
  now?: () => Date;
  /** The GitSync's parse cache, shared with the planner so each manifest is parsed once. Default none. */
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
  /** The plan of the final attempt, when the updates function returned one. */
  plan?: UpdatePlan;
}

/** What one attempt's edit did. */
interface Applied {
  changes: AppliedChange[];
  unapplied: UnappliedUpdate[];
  problems: Problem[];
  plan: UpdatePlan | undefined;
}

/**
 * Applies image updates to the working copy's manifests and pushes them as one commit (no change,
 * no commit); the retry, review-branch and never-force rules are `commitWithRetry`'s.
 */
export async function commitAndPush(options: CommitAndPushOptions): Promise<CommitAndPushResult> {
  const { updates } = options;
  const result = await commitWithRetry<Applied>(options.repo, {
    edit: async (files) => {
      const decided = typeof updates === 'function' ? await updates(files) : updates;
      const plan = 'updates' in decided ? decided : undefined;
      const wanted = plan ? plan.updates : (decided as readonly ImageUpdate[]);
      const applied = applyImageUpdates(files, wanted, { cache: options.manifestCache });
      const { changes, unapplied, problems } = applied;
      return {
        files: applied.files,
        value: { changes, unapplied, problems, plan },
        incomplete:
          applied.unapplied.length > 0 ? applied.unapplied.map((u) => u.reason).join('; ') : undefined,
      };
    },
    message: ({ changes }) => formatCommitMessage(toCommitChanges(changes), options.messageTemplate),
    author: options.author ?? DEFAULT_COMMIT_AUTHOR,
    ...pick(options, ['path', 'pushBranch', 'maxRetries', 'backoff', 'sleep', 'now', 'beforePush']),
  });
  const { changes, unapplied, problems, plan } = result.value;
  return {
    ...(plan ? { plan } : {}),
    commit: result.commit,
    pushed: result.pushed,
    branch: result.branch,
    message: result.message,
    changes,
    unapplied,
    problems: [...result.problems, ...problems],
    retries: result.retries,
  };
}

/** The options that are set (exactOptionalPropertyTypes: no explicit undefined). */
function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const key of keys) if (object[key] !== undefined) picked[key] = object[key];
  return picked;
}
