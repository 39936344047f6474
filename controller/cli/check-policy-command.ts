// `tagpilot check-policy --image REPO --filter FILTER`: a dry run of the policy engine against the
// real registry. Exit 0 when a tag wins, 1 when none qualifies, 2 for a bad filter or flags, 3 when
// the registry fails. The work is in check-policy-run.ts, loaded when the command runs.
import { Command, Option } from 'commander';
import { parseCount } from './flag-parsers.ts';
import { type OutputFormat, outputOption, type Streams } from './output.ts';
import { addCredentialOptions, addRegistryOptions, type RegistryOptions } from './registry-options.ts';
import { runAction } from './run-action.ts';

/** The flags of `check-policy`. */
export type CheckPolicyOptions = RegistryOptions & {
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
    runAction(streams, 'check-policy', async (options: CheckPolicyOptions) => {
      const { runCheckPolicy } = await import('./check-policy-run.ts');
      return runCheckPolicy(streams, options);
    }),
  );
}
