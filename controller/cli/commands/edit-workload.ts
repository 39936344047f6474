// `automate`, `deautomate`, `lock`, `unlock`, `policy` and `release`: change a workload in the
// GitSync's repository with a minimal diff and one commit (GitOps: Git is the only source of
// truth; the live object is never touched). `--dry-run` prints the diff and commits nothing. The
// six commands differ only in the change they make (SPECS), so they share this one file. Git and
// YAML code is loaded when a command runs, not for `--help`.
import { Command, Option } from 'commander';
import { DEFAULT_COMMIT_AUTHOR } from '../../api/defaults.ts';
import type { CommitAuthor } from '../../git/index.ts';
import type { Workload } from '../../manifests/index.ts';
import { EXIT, runAction, UsageError } from '../errors.ts';
import { addGlobalOptions, cacheDirFrom, collect, type GlobalOptions } from '../flags.ts';
import { gitSyncKey } from '../gitsyncs.ts';
import { withKube } from '../kube-context.ts';
import type { AnnotationSetting, WorkloadChange } from '../manifest-edits.ts';
import { printResult, type Streams, shortSha } from '../output.ts';
import { parseWorkloadRef, workloadId } from '../workload-ref.ts';

/** The names of the edit commands. */
export type EditCommandName = 'automate' | 'deautomate' | 'lock' | 'unlock' | 'policy' | 'release';

/** The flags of the edit commands (the command-specific ones are optional here). */
export type EditOptions = GlobalOptions & {
  workload: string;
  gitsync?: string;
  message?: string;
  author?: string;
  dryRun?: boolean;
  /** lock */
  reason?: string;
  /** policy */
  tag?: string[];
  /** release */
  updateImage?: string;
  container?: string;
};

const DESCRIPTIONS: Record<EditCommandName, string> = {
  automate: 'Turn on image automation for a workload (the automated annotation)',
  deautomate: 'Turn off image automation for a workload',
  lock: 'Lock a workload so that automation leaves its images alone',
  unlock: 'Unlock a workload',
  policy: 'Set the tag filter of containers (tag.<container> annotations)',
  release: 'Set the image of a workload (repository:tag)',
};

/** The six edit commands. */
export function editCommands(streams: Streams): Command[] {
  const lock = editCommand(streams, 'lock').addOption(
    new Option('--reason <text>', 'why, kept in the locked_msg annotation'),
  );
  const policy = editCommand(streams, 'policy').addOption(
    new Option(
      '--tag <container=filter>',
      'e.g. flask=semver:^1 or flask=glob:develop-*; an empty filter removes it; repeatable',
    ).argParser(collect),
  );
  const release = editCommand(streams, 'release')
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
  return [
    editCommand(streams, 'automate'),
    editCommand(streams, 'deautomate'),
    lock,
    editCommand(streams, 'unlock'),
    policy,
    release,
  ];
}

function editCommand(streams: Streams, name: EditCommandName): Command {
  const command = new Command(name)
    .description(`${DESCRIPTIONS[name]} (one commit in the GitSync's repository)`)
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
        'commit author (default: tagpilot <tagpilot@users.noreply.local>)',
      ),
    )
    .addOption(new Option('--dry-run', 'print the diff, commit nothing'));
  addGlobalOptions(command, 'namespace of the GitSync (default: all namespaces)');
  return command.action(runAction(streams, name, (options: EditOptions) => runEdit(streams, name, options)));
}

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

/** The manifest edits (manifest-edits.ts), loaded when a command runs. */
type Edits = typeof import('../manifest-edits.ts');

const annotations = (edits: Edits, settings: AnnotationSetting[]) => () => edits.annotationChange(settings);

const SPECS: Record<EditCommandName, (options: EditOptions, edits: Edits) => EditSpec> = {
  automate: (_, edits) => ({
    change: annotations(edits, [{ key: 'automated', value: 'true' }]),
    message: (id) => `Automate ${id}`,
  }),
  deautomate: (_, edits) => ({
    change: annotations(edits, [{ key: 'automated', value: undefined }]),
    message: (id) => `Deautomate ${id}`,
  }),
  lock: ({ reason }, edits) => ({
    change: annotations(edits, [
      { key: 'locked', value: 'true' },
      ...(reason ? [{ key: 'locked_msg', value: reason }] : []),
    ]),
    message: (id) => `Lock ${id}${reason ? `: ${reason}` : ''}`,
  }),
  unlock: (_, edits) => ({
    change: annotations(edits, [
      { key: 'locked', value: undefined },
      { key: 'locked_msg', value: undefined },
    ]),
    message: (id) => `Unlock ${id}`,
  }),
  policy: ({ tag = [] }, edits) => {
    if (tag.length === 0) throw new UsageError('give at least one --tag CONTAINER=FILTER');
    const settings = edits.tagFilterSettings(tag);
    return {
      change: (workload) => edits.annotationChange(settings(workload)),
      message: (id) => `Set tag filter ${tag.join(', ')} on ${id}`,
    };
  },
  release: ({ updateImage = '', container }, edits) => {
    const change = edits.releaseChange(updateImage, container);
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
async function runEdit(streams: Streams, name: EditCommandName, options: EditOptions): Promise<number> {
  const selector = parseWorkloadRef(options.workload);
  const author = parseAuthor(options.author);
  const [edits, { locateWorkload }] = await Promise.all([
    import('../manifest-edits.ts'),
    import('../repositories.ts'),
  ]);
  const spec = SPECS[name](options, edits);
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
      const outcome = await edits.commitEdit({
        repo: context.repo,
        path: context.path,
        edit: edits.workloadEdit(selector, where, spec.change(workload)),
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
