// Running an edit command: check the flags, find the workload's repository, make the edit as one
// commit (or show it with --dry-run), and report what happened.
import { DEFAULT_COMMIT_AUTHOR } from '../api/defaults.ts';
import type { CommitAuthor } from '../git/index.ts';
import type { Workload } from '../manifests/index.ts';
import { cacheDirFrom } from './cache-dir.ts';
import type { EditCommandName, EditOptions } from './edit-commands.ts';
import { EXIT, UsageError } from './errors.ts';
import { gitSyncKey } from './gitsyncs.ts';
import { withKube } from './kube-context.ts';
import { locateWorkload } from './locate-workload.ts';
import { printResult, type Streams, shortSha } from './output.ts';
import { commitEdit } from './repo-edit.ts';
import {
  type AnnotationSetting,
  annotationChange,
  releaseChange,
  tagFilterSettings,
  type WorkloadChange,
  workloadEdit,
} from './workload-edits.ts';
import { parseWorkloadRef, workloadId } from './workload-ref.ts';

/** What an edit command did (`-o json`). */
export interface EditReport {
  gitsync: string;
  workload: string;
  action: EditCommandName;
  dryRun: boolean;
  changed: boolean;
  files: string[];
  diff: string;
  branch: string;
  commit: string | null;
  message: string;
}

/** What one edit command changes, decided from its flags before anything is read. */
interface EditSpec {
  change: (workload: Workload) => WorkloadChange;
  message: (id: string) => string;
  /** A note for stderr about the result (e.g. automation may override a release). */
  warning?: (workload: Workload) => string | undefined;
}

const annotations = (settings: AnnotationSetting[]) => () => annotationChange(settings);

const SPECS: Record<EditCommandName, (options: EditOptions) => EditSpec> = {
  automate: () => ({
    change: annotations([{ key: 'automated', value: 'true' }]),
    message: (id) => `Automate ${id}`,
  }),
  deautomate: () => ({
    change: annotations([{ key: 'automated', value: undefined }]),
    message: (id) => `Deautomate ${id}`,
  }),
  lock: ({ reason }) => ({
    change: annotations([
      { key: 'locked', value: 'true' },
      ...(reason ? [{ key: 'locked_msg', value: reason }] : []),
    ]),
    message: (id) => `Lock ${id}${reason ? `: ${reason}` : ''}`,
  }),
  unlock: () => ({
    change: annotations([
      { key: 'locked', value: undefined },
      { key: 'locked_msg', value: undefined },
    ]),
    message: (id) => `Unlock ${id}`,
  }),
  policy: ({ tag = [] }) => {
    if (tag.length === 0) throw new UsageError('give at least one --tag CONTAINER=FILTER');
    const settings = tagFilterSettings(tag);
    return {
      change: (workload) => annotationChange(settings(workload)),
      message: (id) => `Set tag filter ${tag.join(', ')} on ${id}`,
    };
  },
  release: ({ updateImage = '', container }) => {
    const change = releaseChange(updateImage, container);
    return {
      change: () => change,
      message: (id) => `Release ${updateImage} to ${id}`,
      warning: (workload) =>
        workload.automated && !workload.locked
          ? `${workload.kind} ${workload.name} is automated: automation may move it to a newer tag (lock it to keep this one)`
          : undefined,
    };
  },
};

/** Runs one edit command; returns 0 (also when there was nothing to change). */
export async function runEdit(
  streams: Streams,
  name: EditCommandName,
  options: EditOptions,
): Promise<number> {
  const selector = parseWorkloadRef(options.workload);
  const author = parseAuthor(options.author);
  const spec = SPECS[name](options);
  const cacheDir = cacheDirFrom(options.cacheDir, process.env);
  const dryRun = options.dryRun === true;
  return withKube(options, async (kube) => {
    const { context, workload } = await locateWorkload({
      kube,
      gitsync: options.gitsync,
      selector,
      cacheDir,
    });
    try {
      const id = workloadId(workload, context.targetNamespace);
      const message = options.message ?? spec.message(id);
      const where = {
        targetNamespace: context.targetNamespace,
        where: `GitSync ${gitSyncKey(context.gitsync)}`,
      };
      const outcome = await commitEdit({
        repo: context.repo,
        path: context.path,
        edit: workloadEdit(selector, where, spec.change(workload)),
        message,
        author,
        dryRun,
      });
      const report: EditReport = {
        gitsync: gitSyncKey(context.gitsync),
        workload: id,
        action: name,
        dryRun,
        changed: outcome.changed,
        files: outcome.files,
        diff: outcome.diff,
        branch: outcome.branch,
        commit: outcome.commit ?? null,
        message,
      };
      const warning = outcome.changed ? spec.warning?.(workload) : undefined;
      if (warning) streams.stderr.write(`warning: ${warning}\n`);
      if (dryRun) streams.stderr.write(`dry run: nothing committed to ${report.branch}\n`);
      await printResult(streams, options.output, report, () => reportLines(report));
      return EXIT.OK;
    } finally {
      await context.close();
    }
  });
}

function reportLines(report: EditReport): string[] {
  if (!report.changed) return [`${report.workload}: nothing to change`];
  if (report.dryRun) return [report.diff.trimEnd()];
  const subject = report.message.split('\n')[0];
  return [
    `gitsync ${report.gitsync}: committed ${shortSha(report.commit ?? undefined)} to ${report.branch}: ${subject}`,
    ...report.files.map((file) => `  changed ${file}`),
  ];
}

/** `Name <email>`; default tagpilot's own author. */
export function parseAuthor(text: string | undefined): CommitAuthor {
  if (text === undefined) return { ...DEFAULT_COMMIT_AUTHOR };
  const match = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!match?.[1] || !match[2]) throw new UsageError(`--author "${text}": expected "Name <email>"`);
  return { name: match[1], email: match[2] };
}
