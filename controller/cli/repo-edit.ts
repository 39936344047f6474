// One edit of a GitSync's manifests as one commit on its branch, through git/'s `commitWithRetry`
// (the same commit/push/retry loop as image automation): run the edit on the files of the branch
// head, show or commit the result, and push without ever forcing.
import { type CommitAuthor, commitWithRetry, type Repository } from '../git/index.ts';
import type { ManifestFile } from '../manifests/index.ts';
import { unifiedDiff } from './unified-diff.ts';

/**
 * Edits manifests: returns the files whose content changes (with the new content), none when
 * there is nothing to do. Throws UsageError when the edit does not apply (unknown workload).
 */
export type ManifestEdit = (files: readonly ManifestFile[]) => ManifestFile[];

/** Options of `commitEdit`. */
export interface CommitEditOptions {
  repo: Repository;
  /** Directory the edit sees (the GitSync path). */
  path: string;
  edit: ManifestEdit;
  message: string;
  author: CommitAuthor;
  /** Show the diff, commit nothing. */
  dryRun: boolean;
  /** Commit time. Default `new Date()`. */
  now?: () => Date;
  /** Attempts when the branch keeps moving under us. Default 3. */
  maxAttempts?: number;
}

/** What `commitEdit` did. */
export interface EditOutcome {
  /** False when the files already said what was asked. */
  changed: boolean;
  /** Unified diff of the change ('' when none). */
  diff: string;
  /** Repository paths of the changed files. */
  files: string[];
  branch: string;
  /** The pushed commit; undefined for a dry run or no change. */
  commit: string | undefined;
  /** The head the edit was made on. */
  parent: string;
}

/** Runs the edit and, unless it is a dry run or changes nothing, commits and pushes it. */
export async function commitEdit(options: CommitEditOptions): Promise<EditOutcome> {
  const result = await commitWithRetry(options.repo, {
    edit: (files) => ({ files: options.edit(files), value: undefined }),
    message: options.message,
    author: options.author,
    path: options.path,
    dryRun: options.dryRun,
    maxRetries: (options.maxAttempts ?? 3) - 1,
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    changed: result.edited.length > 0,
    diff: result.edited.map((file) => unifiedDiff(file.path, file.before, file.after)).join(''),
    files: result.edited.map((file) => file.path),
    branch: result.branch,
    commit: result.commit,
    parent: result.parent,
  };
}
