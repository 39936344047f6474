// One edit of a GitSync's manifests as one commit on its branch: run the edit on the files of the
// branch head, show or commit the result, and push without ever forcing. When someone pushed in
// between, fetch and run the edit again on the new head (bounded).
import { type CommitAuthor, GitError, type Repository } from '../git/index.ts';
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
  const { repo } = options;
  const maxAttempts = options.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const parent = repo.head().oid;
    const { files } = await repo.readFiles(options.path);
    const changedFiles = options.edit(files);
    const before = new Map(files.map((file) => [file.path, file.content]));
    const diff = changedFiles
      .map((file) => unifiedDiff(file.path, before.get(file.path) ?? '', file.content))
      .join('');
    const outcome: EditOutcome = {
      changed: changedFiles.length > 0,
      diff,
      files: changedFiles.map((file) => file.path),
      branch: repo.branch,
      commit: undefined,
      parent,
    };
    if (changedFiles.length === 0 || options.dryRun) return outcome;
    const commit = await repo.createCommit({
      files: changedFiles,
      message: options.message,
      author: options.author,
      date: (options.now ?? (() => new Date()))(),
    });
    const pushed = await repo.push(commit, { branch: repo.branch, force: false });
    if (pushed.status === 'pushed') return { ...outcome, commit: commit.oid };
    if (attempt >= maxAttempts) {
      const reason = pushed.status === 'conflict' ? pushed.reason : pushed.status;
      throw new GitError(
        'CONFLICT_RETRIES_EXHAUSTED',
        `push ${repo.url}: ${repo.branch} kept moving; gave up after ${attempt} attempts (${reason})`,
        { url: repo.url, operation: 'push' },
      );
    }
    await repo.refresh();
  }
}
