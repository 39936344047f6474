// The manifest edits behind automate/deautomate/lock/unlock/policy/release, as pure functions of
// the repository's files (find the workload, change its annotations with setWorkloadAnnotation or a
// container image with applyImageUpdates, minimal diff; what does not apply is a UsageError), and
// `commitEdit`, which makes one as one commit through git/'s `commitWithRetry` (the same
// commit/push/retry loop as image automation), or shows it with --dry-run.
import { parseReference } from '../../registry/index.ts';
import { type CommitAuthor, commitWithRetry, type Repository } from '../git/index.ts';
import {
  applyImageUpdates,
  findWorkloads,
  type ImageUpdate,
  type ManifestFile,
  readManifests,
  setWorkloadAnnotation,
  splitImageReference,
  type Workload,
} from '../manifests/index.ts';
import { policyFromAnnotations } from '../policy/index.ts';
import { UsageError } from './errors.ts';
import { unifiedDiff } from './unified-diff.ts';
import { findWorkload, type WorkloadSelector } from './workload-ref.ts';

/** Changes one workload: the changed files (none when it already is as asked). */
export type WorkloadChange = (workload: Workload, files: readonly ManifestFile[]) => ManifestFile[];

/** One annotation to set (`value`) or remove (undefined); `key` is prefix-free (`automated`, `tag.flask`). */
export interface AnnotationSetting {
  key: string;
  value: string | undefined;
}

/** A ManifestEdit that finds the selected workload in the files and applies `change` to it. */
export function workloadEdit(
  selector: WorkloadSelector,
  context: { targetNamespace: string | undefined; where: string },
  change: WorkloadChange,
): ManifestEdit {
  return (files) => {
    const workloads = findWorkloads(readManifests(files));
    return change(findWorkload(workloads, selector, context), files);
  };
}

/** Sets or removes annotations on the workload, in order, in its own file. */
export function annotationChange(settings: readonly AnnotationSetting[]): WorkloadChange {
  return (workload, files) => {
    const file = files.find((f) => f.path === workload.path);
    if (!file) throw new Error(`${workload.path} vanished`);
    let content = file.content;
    for (const { key, value } of settings) {
      const result = setWorkloadAnnotation({ path: file.path, content }, workload, key, value);
      if (!result.ok) throw new UsageError(`cannot edit ${file.path}: ${result.reason}`);
      content = result.content;
    }
    return content === file.content ? [] : [{ path: file.path, content }];
  };
}

/** `tag.<container>` settings from `--tag container=FILTER` values (an empty FILTER removes it). */
export function tagFilterSettings(values: readonly string[]): (workload: Workload) => AnnotationSetting[] {
  const pairs = values.map((value) => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag ${value}: expected CONTAINER=FILTER, e.g. flask=semver:^1`);
    const container = value.slice(0, eq);
    const filter = value.slice(eq + 1);
    if (filter !== '') {
      const policy = policyFromAnnotations({ filter });
      if (!policy.ok) throw new UsageError(`--tag ${value}: ${policy.error.message}`);
    }
    return { container, filter };
  });
  return (workload) =>
    pairs.map(({ container, filter }) => {
      requireContainer(workload, container);
      return { key: `tag.${container}`, value: filter === '' ? undefined : filter };
    });
}

/** Points the containers that run `image`'s repository (or just `container`) at its tag. */
export function releaseChange(image: string, container: string | undefined): WorkloadChange {
  const wanted = splitImageReference(image);
  if (wanted.tag === undefined && wanted.digest === undefined) {
    throw new UsageError(`--update-image ${image}: expected REPOSITORY:TAG`);
  }
  const wantedRepo = normalizedRepository(wanted.name);
  return (workload, files) => {
    if (container !== undefined) requireContainer(workload, container);
    const targets = workload.containers.filter((c) =>
      container !== undefined ? c.name === container : sameRepository(c.image, wantedRepo),
    );
    if (targets.length === 0) {
      const running = workload.containers.map((c) => `${c.name} (${c.image})`).join(', ');
      throw new UsageError(`no container runs ${wanted.name} (containers: ${running})`);
    }
    const ref = { kind: workload.kind, namespace: workload.namespace, name: workload.name };
    const updates: ImageUpdate[] = targets.map((c) => ({
      target: { type: 'container', path: workload.path, workload: ref, container: c.name },
      // The manifest's own spelling of the repository stays, so only the tag changes in the diff.
      image: {
        repo: container !== undefined ? wanted.name : splitImageReference(c.image).name,
        tag: wanted.tag ?? '',
        ...(wanted.digest ? { digest: wanted.digest } : {}),
      },
    }));
    const result = applyImageUpdates(files, updates);
    const [failure] = result.unapplied;
    if (failure) throw new UsageError(`cannot set ${image}: ${failure.reason}`);
    return result.files;
  };
}

function requireContainer(workload: Workload, name: string): void {
  if (workload.containers.some((c) => c.name === name)) return;
  const names = workload.containers.map((c) => c.name).join(', ') || 'none';
  throw new UsageError(`${workload.kind} ${workload.name} has no container "${name}" (containers: ${names})`);
}

/** `docker.io/library/nginx` for `nginx`; the text itself when it does not parse. */
function normalizedRepository(name: string): string {
  try {
    const ref = parseReference(name);
    return `${ref.registry}/${ref.repository}`;
  } catch {
    return name;
  }
}

function sameRepository(image: string, repository: string): boolean {
  return normalizedRepository(splitImageReference(image).name) === repository;
}

/**
 * Edits manifests: returns the files whose content changes (with the new content), none when
 * there is nothing to do. Throws UsageError when the edit does not apply (unknown workload).
 */
export type ManifestEdit = (files: readonly ManifestFile[]) => ManifestFile[];

/** Options of `commitEdit`. */
export interface CommitEditOptions {
  repo: Repository;
  /** Directories the edit sees (the GitSync paths). */
  path: string | readonly string[];
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
