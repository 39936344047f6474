// `automate`, `deautomate`, `lock`, `unlock`, `policy` and `release`: change a workload in the
// GitSync's repository with a minimal diff and one commit (GitOps: Git is the only source of
// truth; the live object is never touched). `--dry-run` prints the diff and commits nothing.
// The work is in run-edit.ts, loaded when a command runs.
import { Command, Option } from 'commander';
import { cacheDirOption } from './cache-dir.ts';
import { collect } from './flag-parsers.ts';
import { addKubeOptions, type KubeOptions } from './kube-context.ts';
import { type OutputFormat, outputOption, type Streams } from './output.ts';
import { runAction } from './run-action.ts';

/** The names of the edit commands. */
export type EditCommandName = 'automate' | 'deautomate' | 'lock' | 'unlock' | 'policy' | 'release';

/** The flags of the edit commands (the command-specific ones are optional here). */
export type EditOptions = KubeOptions & {
  workload: string;
  gitsync?: string;
  message?: string;
  author?: string;
  dryRun?: boolean;
  cacheDir?: string;
  output: OutputFormat;
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
    .addOption(new Option('--dry-run', 'print the diff, commit nothing'))
    .addOption(cacheDirOption())
    .addOption(outputOption());
  addKubeOptions(command, 'namespace of the GitSync (default: all namespaces)');
  return command.action(
    runAction(streams, name, async (options: EditOptions) => {
      const { runEdit } = await import('./run-edit.ts');
      return runEdit(streams, name, options);
    }),
  );
}
