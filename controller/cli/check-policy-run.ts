// Running `check-policy`: flags to a registry client and credentials, the scan with a progress
// display on a terminal, the report, and the exit code (0 a winner, 1 none).
import { parseReference } from '../../registry/index.ts';
import { checkPolicy, formatReport, parsePolicy } from './check-policy.ts';
import type { CheckPolicyOptions } from './check-policy-command.ts';
import { EXIT, UsageError } from './errors.ts';
import { printResult, type Streams } from './output.ts';
import { startProgress } from './progress.ts';
import { flagCredentials, registryClient } from './registry-credentials.ts';

/** Runs the command; registry failures throw RegistryError (exit 3). */
export async function runCheckPolicy(streams: Streams, options: CheckPolicyOptions): Promise<number> {
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
    await printResult(streams, options.output, report, () => formatReport(report));
    return report.result.tag === undefined ? EXIT.NOT_OK : EXIT.OK;
  } finally {
    progress.stop();
    await client.close();
  }
}

function parseImage(image: string): ReturnType<typeof parseReference> {
  try {
    return parseReference(image);
  } catch (error) {
    throw new UsageError(`--image ${image}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
