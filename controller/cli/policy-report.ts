// The report of `tagpilot check-policy`: which tag a policy picks from a live registry, every
// candidate in order with the reason it lost, and the tags the filter rejects with theirs. Moved
// here with the explanations (`explainTag`) added.

import type { CredentialProvider, RegistryClient, RequestCounts } from '../../registry/index.ts';
import { parseReference } from '../../registry/index.ts';
import {
  type ChooseResult,
  explainTag,
  formatOrdering,
  formatTagFilter,
  policyFromAnnotations,
  rejectionOf,
  type TagPolicy,
  type TagRejection,
  type TagVerdict,
} from '../policy/index.ts';
import { UsageError } from './errors.ts';
import { formatTable } from './output.ts';
import { scanPolicy } from './policy-scan.ts';

/** What to check. */
export interface CheckPolicyInput {
  /** Repository, e.g. `ghcr.io/org/app`; a tag on it is the current tag unless `current` is given. */
  image: string;
  /** A `tag.<container>` annotation value; default `glob:*`. */
  filter?: string | undefined;
  /** A `sort.<container>` annotation value; default: the filter's ordering. */
  sort?: string | undefined;
  /** A `referrer-tags.<container>` annotation value (`exclude` or `include`); default exclude. */
  referrerTags?: string | undefined;
  /** The tag running now; default none (then the best candidate wins). */
  current?: string | undefined;
  /** Platform for build times of multi-arch images; default `linux/amd64`. */
  platform?: string | undefined;
  credentials?: CredentialProvider | undefined;
  /** Build times of new tags read at most (newest-build); 0 = all. Default 100, as the controller. */
  buildTimeBudget?: number | undefined;
  /** The counts of the client's request observer, reported as `requests` when given (`--explain-requests`). */
  requestCounts?: RequestCounts | undefined;
  /** Candidates and rejected tags reported at most (0 = all). Default 20. */
  limit?: number | undefined;
  onProgress?: ((text: string) => void) | undefined;
}

/** One candidate, with the reason it is or is not the winner. */
export interface RankedTag {
  rank: number;
  tag: string;
  /** The ordered value when it differs from the tag (an extract or version capture). */
  value: string;
  created: string | null;
  reason: TagVerdict['reason'];
  message: string;
}

/** What `check-policy -o json` prints. */
export interface CheckPolicyReport {
  image: string;
  filter: string;
  ordering: string;
  tagCount: number;
  candidateCount: number;
  /** Candidates that could be ranked (a build time is known under newest-build ordering). */
  rankedCount: number;
  /** The best candidates first, at most `limit`. */
  candidates: RankedTag[];
  /** Tags the filter rejects, at most `limit`, with the reason. */
  rejected: TagRejection[];
  rejectedCount: number;
  /** Candidates deleted while scanning. */
  vanished: string[];
  /** newest-build: the winner is the best of the candidates whose build time is known so far. */
  provisional: boolean;
  /** Candidates whose build time the budget left unread. */
  buildTimesPending: number;
  /** Registry requests the scan made, with `--explain-requests`. */
  requests?: RequestCounts;
  /** The verdict on `--current`, when given. */
  current: TagVerdict | null;
  result: ChooseResult;
}

/** Parses the filter, sort and referrer-tags mode; a bad one is a UsageError. */
export function parsePolicy(
  filter: string | undefined,
  sort: string | undefined,
  referrerTags?: string | undefined,
): TagPolicy {
  const policy = policyFromAnnotations({ filter: filter ?? 'glob:*', sort, referrerTags });
  if (!policy.ok) throw new UsageError(policy.error.message);
  return policy.value;
}

/** Lists, filters, ranks and chooses; registry failures throw RegistryError. */
export async function checkPolicy(
  client: RegistryClient,
  input: CheckPolicyInput,
): Promise<CheckPolicyReport> {
  const policy = parsePolicy(input.filter, input.sort, input.referrerTags);
  const current = input.current ?? parseReference(input.image).tag;
  const scan = await scanPolicy(client, {
    image: input.image,
    policy,
    current,
    credentials: input.credentials,
    platform: input.platform,
    buildTimeBudget: input.buildTimeBudget,
    onProgress: input.onProgress,
  });
  const limit = input.limit === undefined ? 20 : input.limit;
  const cut = <T>(list: T[]): T[] => (limit > 0 ? list.slice(0, limit) : list);
  const rank = { policy, candidates: scan.candidates, created: scan.created, best: scan.ranked[0] };
  const candidates = cut(scan.ranked).map((t, i): RankedTag => {
    const verdict = explainTag({ ...rank, tag: t.tag });
    const created = t.created?.toISOString() ?? null;
    return {
      rank: i + 1,
      tag: t.tag,
      value: t.value,
      created,
      reason: verdict.reason,
      message: verdict.message,
    };
  });
  const rejected = scan.tags.flatMap((tag) => rejectionOf(tag, policy) ?? []);
  return {
    image: scan.image,
    filter: formatTagFilter(policy.definition.filter),
    ordering: formatOrdering(policy.definition.ordering),
    tagCount: scan.tags.length,
    candidateCount: scan.candidates.length,
    rankedCount: scan.ranked.length,
    candidates,
    rejected: cut(rejected),
    rejectedCount: rejected.length,
    vanished: scan.vanished,
    provisional: scan.provisional,
    buildTimesPending: scan.deferred,
    ...(input.requestCounts ? { requests: structuredClone(input.requestCounts) } : {}),
    current: current === undefined ? null : explainTag({ ...rank, tag: current }),
    result: scan.result,
  };
}

/** The report for people: candidates best first with why each lost, the rejected tags, the winner. */
export function formatReport(report: CheckPolicyReport): string[] {
  const lines = [
    `image:      ${report.image}`,
    `filter:     ${report.filter} (${report.ordering})`,
    `tags:       ${report.tagCount} listed, ${report.candidateCount} candidates, ${report.rejectedCount} rejected`,
  ];
  if (report.candidates.length > 0) {
    lines.push('', 'candidates, best first:');
    const rows = report.candidates.map((t) => [
      `${t.rank}.`,
      t.value === t.tag ? t.tag : `${t.tag} (${t.value})`,
      t.created ?? '',
      t.reason === 'Best' ? 'winner' : t.message,
    ]);
    lines.push(...indent(formatTable(['#', 'TAG', 'BUILT', 'WHY NOT'], rows)));
    const more = report.rankedCount - report.candidates.length;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  if (report.rejected.length > 0) {
    lines.push('', 'rejected by the filter:');
    lines.push(
      ...indent(
        formatTable(
          ['TAG', 'WHY'],
          report.rejected.map((r) => [r.tag, r.message]),
        ),
      ),
    );
    const more = report.rejectedCount - report.rejected.length;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  if (report.vanished.length > 0)
    lines.push(`vanished:   ${report.vanished.join(', ')} (deleted while scanning)`);
  if (report.current) lines.push(`current:    ${report.current.tag}: ${report.current.message}`);
  if (report.provisional)
    lines.push(
      `provisional: the build times of ${report.buildTimesPending} candidates were not read (the budget per scan; --build-time-budget 0 reads them all)`,
    );
  if (report.requests) lines.push(formatRequests(report.requests));
  const { result } = report;
  const change = result.update ? 'update' : 'no change';
  lines.push(
    '',
    result.tag === undefined
      ? `winner:     none (${result.reason}): ${result.message}`
      : `winner:     ${result.tag} (${result.reason}, ${change}): ${result.message}`,
  );
  return lines;
}

/** `requests:   106 (tag lists 5, manifest HEADs 0, manifest GETs 100, blob GETs 1, other 0)`. */
export function formatRequests(counts: RequestCounts): string {
  const k = counts.byKind;
  const limit =
    counts.rateLimitRemaining === undefined ? '' : `; ratelimit-remaining ${counts.rateLimitRemaining}`;
  return `requests:   ${counts.total} (tag lists ${k.list}, manifest HEADs ${k.head}, manifest GETs ${k.manifest}, blob GETs ${k.blob}, other ${k.other}${limit})`;
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`);
}
