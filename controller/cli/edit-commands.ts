// `automate`, `deautomate`, `lock`, `unlock`, `policy` and `release`: change a workload in the
// GitSync's repository with a minimal diff and one commit (GitOps: Git is the only source of
// truth; the live object is never touched). `--dry-run` prints the diff and commits nothing.
import { Command, Option } from 'commander';
import { type CommitAuthor, DEFAULT_AUTHOR } from '../git/index.ts';
import type { Workload } from '../manifests/index.ts';
import { EXIT, UsageError } from './errors.ts';
import { gitSyncKey } from './gitsyncs.ts';
import { addKubeOptions, type KubeOptions, withKube } from './kube-context.ts';
import { locateWorkload } from './locate-workload.ts';
import { type OutputFormat, outputOption, printResult, type Streams, shortSha } from './output.ts';
import { cacheDirOption, defaultCacheDir } from './repo-context.ts';
import { commitEdit } from './repo-edit.ts';
import { runAction } from './run-action.ts';
import {
  type AnnotationSetting,
  annotationChange,
  releaseChange,
  tagFilterSettings,
  type WorkloadChange,
  workloadEdit,
} from './workload-edits.ts';
import { parseWorkloadRef, workloadId } from './workload-ref.ts';

type EditOptions = KubeOptions & {
  workload: string;
  gitsync?: string;
  message?: string;
  author?: string;
  dryRun?: boolean;
  cacheDir?: string;
  output: OutputFormat;
};

/** What an edit command did (`-o json`). */
export interface EditReport {
  gitsync: string;
  workload: string;
  action: string;
  dryRun: boolean;
  changed: boolean;
  files: string[];
  diff: string;
  branch: string;
  commit: string | null;
  message: string;
}

/** What one edit command changes, decided once the workload is found. */
interface EditSpec {
  change: (workload: Workload) => WorkloadChange;
  message: (id: string) => string;
  /** A note for stderr about the result (e.g. automation may override a release). */
  warning?: (workload: Workload) => string | undefined;
}

/** The six edit commands. */
export function editCommands(streams: Streams): Command[] {
  const annotations = (settings: AnnotationSetting[]) => () => annotationChange(settings);
  const automate = editCommand(
    streams,
    'automate',
    'Turn on image automation for a workload (automated: "true")',
    () => ({
      change: annotations([{ key: 'automated', value: 'true' }]),
      message: (id) => `Automate ${id}`,
    }),
  );
  const deautomate = editCommand(streams, 'deautomate', 'Turn off image automation for a workload', () => ({
    change: annotations([{ key: 'automated', value: undefined }]),
    message: (id) => `Deautomate ${id}`,
  }));
  const lock = editCommand(
    streams,
    'lock',
    'Lock a workload so that automation leaves its images alone',
    (o) => ({
      change: annotations([
        { key: 'locked', value: 'true' },
        ...(o.reason ? [{ key: 'locked_msg', value: String(o.reason) }] : []),
      ]),
      message: (id) => `Lock ${id}${o.reason ? `: ${o.reason}` : ''}`,
    }),
  ).addOption(new Option('--reason <text>', 'why, kept in the locked_msg annotation'));
  const unlock = editCommand(streams, 'unlock', 'Unlock a workload', () => ({
    change: annotations([
      { key: 'locked', value: undefined },
      { key: 'locked_msg', value: undefined },
    ]),
    message: (id) => `Unlock ${id}`,
  }));
  const policy = editCommand(
    streams,
    'policy',
    'Set the tag filter of containers (tag.<container> annotations)',
    (o) => {
      const tags = (o.tag as string[] | undefined) ?? [];
      if (tags.length === 0) throw new UsageError('give at least one --tag CONTAINER=FILTER');
      const settings = tagFilterSettings(tags);
      return {
        change: (workload) => annotationChange(settings(workload)),
        message: (id) => `Set tag filter ${tags.join(', ')} on ${id}`,
      };
    },
  ).addOption(
    new Option(
      '--tag <container=filter>',
      'e.g. flask=semver:^1 or flask=glob:develop-*; an empty filter removes it; repeatable',
    ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
  );
  const release = editCommand(
    streams,
    'release',
    'Set the image of a workload in Git (repository:tag)',
    (o) => {
      const image = String(o.updateImage);
      const container = o.container === undefined ? undefined : String(o.container);
      const change = releaseChange(image, container);
      return {
        change: () => change,
        message: (id) => `Release ${image} to ${id}`,
        warning: (workload) =>
          workload.automated && !workload.locked
            ? `${workload.kind} ${workload.name} is automated: automation may move it to a newer tag (lock it to keep this one)`
            : undefined,
      };
    },
  )
    .addOption(
      new Option(
        '--update-image <repo:tag>',
        'the image to run, e.g. ghcr.io/org/app:1.2.3',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--container <name>',
        'only this container (default: every container running the repository)',
      ),
    );
  return [automate, deautomate, lock, unlock, policy, release];
}

function editCommand(
  streams: Streams,
  name: string,
  description: string,
  spec: (options: EditOptions & Record<string, unknown>) => EditSpec,
): Command {
  const command = new Command(name)
    .description(`${description} (one commit in the GitSync's repository)`)
    .addOption(
      new Option(
        '--workload <ns:kind/name>',
        'the workload, e.g. my-demo:deployment/fluxdemo',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option('--gitsync <ns/name>', 'the GitSync whose repository has it (default: the one that does)'),
    )
    .addOption(new Option('--message <text>', 'commit message (default: says what changed)'))
    .addOption(
      new Option(
        '--author <"Name <email>">',
        `commit author (default: ${DEFAULT_AUTHOR.name} <${DEFAULT_AUTHOR.email}>)`,
      ),
    )
    .addOption(new Option('--dry-run', 'print the diff, commit nothing'))
    .addOption(cacheDirOption())
    .addOption(outputOption());
  addKubeOptions(command, 'namespace of the GitSync (default: all namespaces)');
  return command.action(
    runAction(streams, name, async (options: EditOptions & Record<string, unknown>) => {
      const selector = parseWorkloadRef(options.workload);
      const author = parseAuthor(options.author);
      const edit = spec(options);
      const cacheDir = options.cacheDir ?? defaultCacheDir(process.env);
      return withKube(options, async (kube) => {
        const located = await locateWorkload({ kube, gitsync: options.gitsync, selector, cacheDir });
        try {
          const { context, workload } = located;
          const id = workloadId(workload, context.targetNamespace);
          const message = options.message ?? edit.message(id);
          const where = {
            targetNamespace: context.targetNamespace,
            where: `GitSync ${gitSyncKey(context.gitsync)}`,
          };
          const outcome = await commitEdit({
            repo: context.repo,
            path: context.path,
            edit: workloadEdit(selector, where, edit.change(workload)),
            message,
            author,
            dryRun: options.dryRun === true,
          });
          const report: EditReport = {
            gitsync: gitSyncKey(context.gitsync),
            workload: id,
            action: name,
            dryRun: options.dryRun === true,
            changed: outcome.changed,
            files: outcome.files,
            diff: outcome.diff,
            branch: outcome.branch,
            commit: outcome.commit ?? null,
            message,
          };
          const warning = outcome.changed ? edit.warning?.(workload) : undefined;
          if (warning) streams.stderr.write(`warning: ${warning}\n`);
          if (report.dryRun) streams.stderr.write(`dry run: nothing committed to ${report.branch}\n`);
          printResult(streams, options.output, report, () => reportLines(report));
          return EXIT.OK;
        } finally {
          await located.context.close();
        }
      });
    }),
  );
}

function reportLines(report: EditReport): string[] {
  if (!report.changed) return [`${report.workload}: nothing to change`];
  if (report.dryRun) return [report.diff.trimEnd()];
  return [
    `gitsync ${report.gitsync}: committed ${shortSha(report.commit ?? undefined)} to ${report.branch}: ${report.message.split('\n')[0]}`,
    ...report.files.map((file) => `  changed ${file}`),
  ];
}

/** `Name <email>`; default tagpilot's own author. */
export function parseAuthor(text: string | undefined): CommitAuthor {
  if (text === undefined) return DEFAULT_AUTHOR;
  const match = /^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!match?.[1] || !match[2]) throw new UsageError(`--author "${text}": expected "Name <email>"`);
  return { name: match[1], email: match[2] };
}
