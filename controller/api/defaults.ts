// The defaults of GitSync and ImagePolicy fields, in one place. The CRD schemas default the same
// fields, but objects written before a default existed (and dry-run inputs) may lack them, so every
// reader goes through these functions instead of repeating `?? 'main'`.
import type { GitSync, ImagePolicySpec } from './types.ts';

/** spec.branch of a GitSync: the branch that is synced (and pushed to). Default `main`. */
export function syncBranch(spec: { branch?: string | undefined }): string {
  return spec.branch ?? 'main';
}

/** The path fields of a GitSync spec. */
type PathSpec = { path?: string | undefined; paths?: readonly string[] | undefined };

/**
 * The directories of a GitSync that are applied (as one render and one inventory) and edited:
 * `spec.paths` when it names any, else `spec.path`, default `.` (the whole repository).
 */
export function syncPaths(spec: PathSpec): string[] {
  return spec.paths && spec.paths.length > 0 ? [...spec.paths] : [spec.path ?? '.'];
}

/** The sync paths as people read them: `namespaces, workloads`. */
export function syncPathText(spec: PathSpec): string {
  return syncPaths(spec).join(', ');
}

/** spec.automation.enabled of a GitSync. Default true. */
/** `spec.sync.enabled` (default true); false is write-back-only: nothing is applied, pruned or reverted. */
export function syncEnabled(gitsync: GitSync): boolean {
  return gitsync.spec.sync?.enabled !== false;
}

export function automationEnabled(gitsync: GitSync): boolean {
  return gitsync.spec.automation?.enabled ?? true;
}

/** Author and committer of automated commits. Default `tagpilot <tagpilot@users.noreply.local>`. */
export const DEFAULT_COMMIT_AUTHOR = { name: 'tagpilot', email: 'tagpilot@users.noreply.local' } as const;

/** spec.automation.commit's author of a GitSync, with the defaults of `DEFAULT_COMMIT_AUTHOR`. */
export function commitAuthor(gitsync: GitSync): { name: string; email: string } {
  const commit = gitsync.spec.automation?.commit;
  return {
    name: commit?.authorName ?? DEFAULT_COMMIT_AUTHOR.name,
    email: commit?.authorEmail ?? DEFAULT_COMMIT_AUTHOR.email,
  };
}

/** spec.interval of an ImagePolicy: how often its repository is scanned. Default `5m`. */
export function scanInterval(spec: Pick<ImagePolicySpec, 'interval'>): string {
  return spec.interval ?? '5m';
}

/** `<namespace>/<name>` of a namespaced object; a missing namespace counts as `default`. */
export function objectKey(object: { metadata: { namespace?: string | undefined; name: string } }): string {
  return `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}
