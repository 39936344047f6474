// `tagpilot list-images [--workload ns:kind/name] [--limit N]`: per container of the automated
// workloads (or of the one named), the tags available under its policy newest first, with the
// current tag and the candidate marked. The work is in list-images.ts, loaded when it runs.
import { Command, Option } from 'commander';
import { cacheDirOption } from './cache-dir.ts';
import { parseCount } from './flag-parsers.ts';
import { addKubeOptions, type KubeOptions } from './kube-context.ts';
import { type OutputFormat, outputOption, type Streams } from './output.ts';
import { addRegistryOptions, type RegistryOptions } from './registry-options.ts';
import { runAction } from './run-action.ts';

/** The flags of `list-images`. */
export type ListImagesOptions = KubeOptions &
  RegistryOptions & {
    workload?: string;
    gitsync?: string;
    limit: number;
    cacheDir?: string;
    output: OutputFormat;
  };

/** The `list-images` command. */
export function listImagesCommand(streams: Streams): Command {
  const command = new Command('list-images')
    .description('Per container: the current image and the tags available under its policy, newest first')
    .addOption(
      new Option(
        '--workload <ns:kind/name>',
        'only this workload, every container (default: automated workloads)',
      ),
    )
    .addOption(
      new Option('--gitsync <ns/name>', 'the GitSync whose repository is read (default: every GitSync)'),
    )
    .addOption(
      new Option('--limit <n>', 'tags shown per container (0 = all)').default(10).argParser(parseCount),
    )
    .addOption(cacheDirOption());
  addRegistryOptions(command, "default: the workloads' pull secrets");
  addKubeOptions(command, 'namespace of the GitSync(s) (default: all namespaces)');
  command.addOption(outputOption());
  return command.action(
    runAction(streams, 'list-images', async (options: ListImagesOptions) => {
      const { runListImages } = await import('./list-images.ts');
      return runListImages(streams, options);
    }),
  );
}
