// `tagpilot check-policy --image REPO --filter FILTER`: a dry run of the policy engine against the
// real registry — candidates in order, the winner, and why others lost. Exit 0 when a tag wins, 1
// when none qualifies, 2 for a bad filter or flags, 3 when the registry fails. The cluster flags
// are accepted (one dialect for every command) but not used: it talks only to the registry.
// Registry code is loaded when the command runs, not for `--help`.
import { Command, Option } from 'commander';
import { EXIT, runAction, UsageError } from '../errors.ts';
import {
  addCredentialOptions,
  addGlobalOptions,
  addRegistryOptions,
  type GlobalOptions,
  parseCount,
  type RegistryOptions,
} from '../flags.ts';
import { printResult, type Streams } from '../output.ts';
import { startProgress } from '../progress.ts';

/** The flags of `check-policy`. */
export type CheckPolicyOptions = GlobalOptions &
  RegistryOptions & {
    image: string;
    filter?: string;
    sort?: string;
    referrerTags?: string;
    current?: string;
    limit: number;
    buildTimeBudget: number;
    explainRequests?: boolean;
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
    .addOption(
      new Option(
        '--referrer-tags <mode>',
        'signature, attestation and SBOM tags (*.sig, *.att, *.sbom, sha256-*): exclude or include (default exclude)',
      ),
    )
    .addOption(new Option('--current <tag>', 'the tag running now (default: the tag on --image, else none)'))
    .addOption(
      new Option(
        '--build-time-budget <n>',
        'newest-build: build times of new tags read, the rest left unread and the winner marked provisional (0 = all)',
      )
        .default(100)
        .argParser(parseCount),
    )
    .addOption(
      new Option(
        '--explain-requests',
        'also say how many registry requests the scan made, by kind (tag lists, manifest HEADs and GETs, blob GETs)',
      ),
    )
    .addOption(
      new Option('--limit <n>', 'candidates and rejected tags shown (0 = all)')
        .default(20)
        .argParser(parseCount),
    );
  addCredentialOptions(command);
  addRegistryOptions(command, 'default: anonymous');
  addGlobalOptions(command, 'not used (check-policy talks only to the registry)');
  return command.action(
    runAction(streams, 'check-policy', (options: CheckPolicyOptions) => runCheckPolicy(streams, options)),
  );
}

/** Runs the command; registry failures throw RegistryError (exit 3). */
async function runCheckPolicy(streams: Streams, options: CheckPolicyOptions): Promise<number> {
  const [
    { checkPolicy, formatReport, parsePolicy },
    { flagCredentials, registryClient },
    { countRequests, parseReference },
  ] = await Promise.all([
    import('../policy-report.ts'),
    import('../registry-credentials.ts'),
    import('../../../registry/index.ts'),
  ]);
  parsePolicy(options.filter, options.sort, options.referrerTags);
  const registry = parseImage(parseReference, options.image).registry;
  const credentials = await flagCredentials(options, registry);
  const counter = options.explainRequests ? countRequests() : undefined;
  const client = registryClient(options, counter?.observer);
  const progress = startProgress({ stream: streams.stderr, enabled: streams.stdout.isTTY === true });
  try {
    const report = await checkPolicy(client, {
      image: options.image,
      filter: options.filter,
      sort: options.sort,
      referrerTags: options.referrerTags,
      current: options.current,
      platform: options.platform,
      credentials,
      limit: options.limit,
      buildTimeBudget: options.buildTimeBudget,
      requestCounts: counter?.counts,
      onProgress: (text) => progress.update(text),
    });
    progress.stop();
    await printResult(streams, options.output, report, () => formatReport(report));
    return report.result.tag === undefined ? EXIT.NOT_OK : EXIT.OK;
  } finally {
    progress.stop();
    await client.close();
  }
}

function parseImage<T>(parseReference: (image: string) => T, image: string): T {
  try {
    return parseReference(image);
  } catch (error) {
    throw new UsageError(`--image ${image}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
