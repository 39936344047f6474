/**
 * Dry run of a tag policy against a live registry — which tag would win, and why. A stopgap until
 * `tagpilot check-policy` exists in the CLI; the logic is in `checkPolicy` / `formatReport` so the
 * CLI can import it. The registry client stays policy-free: this file is the glue.
 *
 *   node_modules/.bin/node scripts/check-policy.ts --image 127.0.0.1:5000/app --filter 'semver:^1' \
 *     [--sort newest-build[:asc|:desc]] [--current TAG] [--platform linux/arm64] \
 *     [--username U --password P | --docker-config ~/.docker/config.json] [--insecure HOST[:PORT]]...
 *
 * Exit codes: 0 a winner exists, 1 no tag qualifies, 2 bad arguments or a registry error.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type ChooseResult,
  chooseLatestTag,
  filterTags,
  formatOrdering,
  formatTagFilter,
  listCandidates,
  needsBuildTime,
  type OrderedTag,
  policyFromAnnotations,
} from '../controller/policy/index.ts';
import {
  type CredentialProvider,
  dockerConfigCredentials,
  formatReference,
  isRegistryError,
  parseReference,
  RegistryClient,
  staticCredentials,
} from '../registry/index.ts';

/** What to check. */
export interface CheckPolicyInput {
  /** Repository, e.g. `ghcr.io/org/app`; a tag on it is taken as the current tag unless `current` is given. */
  readonly image: string;
  /** A `tag.<container>` annotation value; default `glob:*`. */
  readonly filter?: string | undefined;
  /** A `sort.<container>` annotation value; default: the filter's ordering. */
  readonly sort?: string | undefined;
  /** The tag running now; default none (then the best candidate wins). */
  readonly current?: string | undefined;
  /** Platform for build times of multi-arch images; default `linux/amd64`. */
  readonly platform?: string | undefined;
  /** Credentials for this image; default: the client's. */
  readonly credentials?: CredentialProvider | undefined;
}

/** What was found. */
export interface CheckPolicyReport {
  readonly image: string;
  readonly filter: string;
  readonly ordering: string;
  /** Tags listed by the registry. */
  readonly tagCount: number;
  /** Candidates that can be ranked, best first. */
  readonly ranked: readonly OrderedTag[];
  /** Candidates whose build time could not be read (vanished between listing and fetching). */
  readonly vanished: readonly string[];
  readonly result: ChooseResult;
}

/** A bad filter, sort value or argument (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Lists tags, filters, fetches build times for candidates only (newest-build), and chooses. */
export async function checkPolicy(
  client: RegistryClient,
  input: CheckPolicyInput,
): Promise<CheckPolicyReport> {
  const policy = policyFromAnnotations({ filter: input.filter ?? 'glob:*', sort: input.sort });
  if (!policy.ok) throw new UsageError(policy.error.message);
  const ref = parseReference(input.image);
  const current = input.current ?? ref.tag;
  const repo = { ...ref, tag: undefined, digest: undefined };
  const options = { credentials: input.credentials, platform: input.platform };
  const tags = await client.listTags(repo, options);
  const candidates = filterTags(tags, policy.value);
  let created: Map<string, Date> | undefined;
  let vanished: string[] = [];
  if (needsBuildTime(policy.value)) {
    // A current tag that is listed and passes the filter is a candidate already; one that is not
    // listed has no build time to fetch.
    const times = await client.getCreatedTimes(
      repo,
      candidates.map((c) => c.tag),
      options,
    );
    created = times.created;
    vanished = [...times.notFound.keys()];
  }
  const rank = { policy: policy.value, candidates, created };
  return {
    image: formatReference(repo),
    filter: formatTagFilter(policy.value.definition.filter),
    ordering: formatOrdering(policy.value.definition.ordering),
    tagCount: tags.length,
    ranked: listCandidates(rank),
    vanished,
    result: chooseLatestTag({ ...rank, current }),
  };
}

function describeTag(t: OrderedTag): string {
  const parts: string[] = [];
  if (t.value !== t.tag) parts.push(`value ${t.value}`);
  if (t.created !== undefined) parts.push(`built ${t.created.toISOString()}`);
  return parts.length === 0 ? t.tag : `${t.tag}  (${parts.join(', ')})`;
}

/** The report for people: the candidates in order (at most `limit`), then the winner and why. */
export function formatReport(report: CheckPolicyReport, limit = 50): string[] {
  const lines = [
    `image:      ${report.image}`,
    `filter:     ${report.filter} (${report.ordering})`,
    `tags:       ${report.tagCount} listed, ${report.result.candidates} candidates`,
  ];
  if (report.ranked.length > 0) lines.push('candidates, best first:');
  const width = String(Math.min(limit, report.ranked.length)).length;
  for (const [i, t] of report.ranked.slice(0, limit).entries()) {
    lines.push(`  ${String(i + 1).padStart(width)}. ${describeTag(t)}`);
  }
  if (report.ranked.length > limit) lines.push(`  … and ${report.ranked.length - limit} more`);
  if (report.vanished.length > 0)
    lines.push(`vanished:   ${report.vanished.join(', ')} (deleted while scanning)`);
  const { result } = report;
  lines.push(
    result.tag === undefined
      ? `winner:     none (${result.reason}): ${result.message}`
      : `winner:     ${result.tag} (${result.reason}${result.update ? ', update' : ', no change'}): ${result.message}`,
  );
  return lines;
}

const USAGE =
  'usage: check-policy.ts --image REPO [--filter glob:*|semver:RANGE|regex:RE] [--sort ORDER] [--current TAG]\n' +
  '       [--platform OS/ARCH] [--username U --password P | --docker-config FILE] [--insecure HOST]... [--limit N]';

async function credentialsFrom(
  values: Record<string, unknown>,
  registry: string,
): Promise<CredentialProvider | undefined> {
  const { username, password } = values;
  if (typeof username === 'string' || typeof password === 'string') {
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new UsageError('--username and --password go together');
    }
    return staticCredentials(registry, { username, password });
  }
  const file = values['docker-config'];
  if (typeof file !== 'string') return undefined;
  let config: unknown;
  try {
    config = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new UsageError(
      `--docker-config ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
  return dockerConfigCredentials(config);
}

/** The command: parses `argv`, prints to stdout/stderr, returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let client: RegistryClient | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        image: { type: 'string' },
        filter: { type: 'string' },
        sort: { type: 'string' },
        current: { type: 'string' },
        platform: { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        'docker-config': { type: 'string' },
        insecure: { type: 'string', multiple: true },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (!values.image) throw new UsageError(`--image is required\n${USAGE}`);
    const registry = parseReference(values.image).registry;
    client = new RegistryClient({ insecureHosts: values.insecure ?? [] });
    const report = await checkPolicy(client, {
      image: values.image,
      filter: values.filter,
      sort: values.sort,
      current: values.current,
      platform: values.platform,
      credentials: await credentialsFrom(values, registry),
    });
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    process.stdout.write(`${formatReport(report, Number.isFinite(limit) ? limit : 50).join('\n')}\n`);
    return report.result.tag === undefined ? 1 : 0;
  } catch (error) {
    if (isRegistryError(error)) {
      process.stderr.write(`check-policy: ${error.code}: ${error.message}\n`);
    } else if (error instanceof UsageError) {
      process.stderr.write(`check-policy: ${error.message}\n`);
    } else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`check-policy: ${error.message}\n${USAGE}\n`);
    } else {
      // A bug: say so with the stack, but still exit 2 as documented.
      process.stderr.write(
        `check-policy: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
    }
    return 2;
  } finally {
    await client?.close();
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
