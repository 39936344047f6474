// `tagpilot list-workloads [--gitsync ns/name]`: the workloads in the GitSync's repository (at the
// head of its branch, under its path), one row per container, with the automation annotations.
// The work is in list-workloads.ts, loaded when the command runs.
import { Command, Option } from 'commander';
import { cacheDirOption } from './cache-dir.ts';
import { addKubeOptions, type KubeOptions } from './kube-context.ts';
import { type OutputFormat, outputOption, type Streams } from './output.ts';
import { runAction } from './run-action.ts';

/** The flags of `list-workloads`. */
export type ListWorkloadsOptions = KubeOptions & {
  output: OutputFormat;
  gitsync?: string;
  cacheDir?: string;
};

/** The `list-workloads` command. */
export function listWorkloadsCommand(streams: Streams): Command {
  const command = new Command('list-workloads')
    .description("List the workloads in a GitSync's repository: containers, images, automation annotations")
    .addOption(
      new Option('--gitsync <ns/name>', 'the GitSync whose repository is read (default: every GitSync)'),
    )
    .addOption(cacheDirOption())
    .addOption(outputOption());
  addKubeOptions(command, 'namespace of the GitSync(s) (default: all namespaces)');
  return command.action(
    runAction(streams, 'list-workloads', async (options: ListWorkloadsOptions) => {
      const { runListWorkloads } = await import('./list-workloads.ts');
      return runListWorkloads(streams, options);
    }),
  );
}
