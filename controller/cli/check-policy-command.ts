// `tagpilot check-policy --image REPO --filter FILTER`: a dry run of the policy engine against the
// real registry. Exit 0 when a tag wins, 1 when none qualifies, 2 for a bad filter or flags, 3 when
// the registry fails.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseReference } from '../../registry/index.ts';
import { checkPolicy, formatReport, parsePolicy } from './check-policy.ts';
import { EXIT, UsageError } from './errors.ts';
import { type OutputFormat, outputOption, printResult, type Streams } from './output.ts';
import { startProgress } from './progress.ts';
import {
  addCredentialOptions,
  addRegistryOptions,
  flagCredentials,
  type RegistryOptions,
  registryClient,
} from './registry-options.ts';
import { runAction } from './run-action.ts';

type Options = RegistryOptions & {
  image: string;
  filter?: string;
  sort?: string;
  current?: string;
  limit: number;
  output: OutputFormat;
};

/** The `check-policy` command. */
export function checkPolicyCommand(streams: Streams): Command {
  const command = new Command('check-policy')
    .description(
      'Dry run of a tag policy against the registry: candidates in order, the winner, and why others lost',
    )
    .addOption(
      new Option(
        '--image <repo>',
        'repository, e.g. ghcr.io/org/app (a tag on it is the current tag)',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option('--filter <filter>', 'tag filter: glob:PATTERN, semver:RANGE or regex:RE (default glob:*)'),
    )
    .addOption(
      new Option('--sort <order>', "ordering, as the sort.<container> annotation (default: the filter's)"),
    )
    .addOption(new Option('--current <tag>', 'the tag running now (default: the tag on --image, else none)'))
    .addOption(
      new Option('--limit <n>', 'candidates and rejected tags shown (0 = all)')
        .default(20)
        .argParser(parseCount),
    );
  addCredentialOptions(command);
  addRegistryOptions(command, 'default: anonymous');
  command.addOption(outputOption());
  return command.action(
    runAction(streams, 'check-policy', async (options: Options) => {
      parsePolicy(options.filter, options.sort);
      const registry = parseImage(options.image).registry;
      const credentials = await flagCredentials(options, registry);
      const client = registryClient(options);
      const progress = startProgress({ stream: streams.stderr, enabled: streams.stdout.isTTY === true });
      try {
        const report = await checkPolicy(client, {
          image: options.image,
          filter: options.filter,
          sort: options.sort,
          current: options.current,
          platform: options.platform,
          credentials,
          limit: options.limit,
          onProgress: (text) => progress.update(text),
        });
        progress.stop();
        printResult(streams, options.output, report, () => formatReport(report));
        return report.result.tag === undefined ? EXIT.NOT_OK : EXIT.OK;
      } finally {
        progress.stop();
        await client.close();
      }
    }),
  );
}

/** A non-negative integer flag value. */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a count (0, 1, 2, …)');
  return n;
}

function parseImage(image: string): ReturnType<typeof parseReference> {
  try {
    return parseReference(image);
  } catch (error) {
    throw new UsageError(`--image ${image}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
