/**
 * Choosing the tag to run: filter, order, take the top; move only when the top ranks above the
 * current tag under the same ordering. A current tag that the filter rejects (e.g. after a policy
 * change) cannot be ordered and loses to the top. Never downgrade: a current tag that ranks at or
 * above every candidate stays, and so does a current tag that passes the filter but whose build
 * time is unknown under newest-build ordering (deleted from the registry, unreadable): an unknown
 * rank is a reason to change nothing, not to pick something else.
 */
import { type Candidate, classifyTag, describeRejection } from './candidates.ts';
import { formatTagFilter } from './filter.ts';
import {
  beats,
  type CreatedLookup,
  compareRank,
  createdOf,
  describeKey,
  formatOrdering,
  hasKey,
  type OrderedTag,
  type ResolvedOrdering,
  resolveOrdering,
  toOrdered,
} from './ordering.ts';
import type { TagPolicy } from './policy.ts';

/** Why `chooseLatestTag` decided what it did. */
export type ChooseReason =
  /** The top candidate ranks above the current tag: update. */
  | 'Newer'
  /** The current tag ranks at or above the top candidate: stay. */
  | 'UpToDate'
  /** The current tag does not pass the filter (or has no value the ordering can use): the top candidate wins. */
  | 'CurrentNotOrderable'
  /** The current tag passes the filter but its build time is unknown (newest-build): it stays. */
  | 'CurrentUnknown'
  /** No current tag was given (a dry run): the top candidate wins. */
  | 'NoCurrentTag'
  /** No tag passes the filter: no winner. */
  | 'NoMatchingTag'
  /** Candidates exist but none has a build time, which newest-build ordering needs: no winner. */
  | 'MissingMetadata';

/** Input of `chooseLatestTag`. */
export interface ChooseInput {
  readonly policy: TagPolicy;
  /** The output of `filterTags(tags, policy)` for the same policy. */
  readonly candidates: readonly Candidate[];
  /** The tag running now; default: none (dry run). */
  readonly current?: string | undefined;
  /** Build times, needed for newest-build ordering; include the current tag. Default: none known. */
  readonly created?: CreatedLookup | undefined;
}

/** The decision, with enough context for a CLI to explain it. */
export interface ChooseResult {
  /** The tag to run: the top candidate, or the current tag when it stays; undefined when no tag qualifies. */
  readonly tag: string | undefined;
  /** True when `tag` is set and differs from the current tag. */
  readonly update: boolean;
  readonly reason: ChooseReason;
  /** One sentence for people, e.g. `"1.3.0" ranks above current "1.2.0" (semver, highest first)`. */
  readonly message: string;
  /** Number of candidates considered. */
  readonly candidates: number;
  /** Candidates skipped because their build time is unknown (newest-build ordering only). */
  readonly missingMetadata: number;
}

interface Top {
  readonly best: OrderedTag | undefined;
  readonly missing: number;
}

/** Single linear pass for the maximum: no sort, no re-parsing, no allocation per candidate. */
function findTop(
  candidates: readonly Candidate[],
  ordering: ResolvedOrdering,
  created: (tag: string) => Date | undefined,
): Top {
  const byTime = ordering.kind === 'newest-build';
  let best: Candidate | undefined;
  let bestTime = Number.NaN;
  let missing = 0;
  for (const candidate of candidates) {
    if (!hasKey(ordering, candidate)) continue;
    let time = Number.NaN;
    if (byTime) {
      const date = created(candidate.tag);
      if (date === undefined) {
        missing++;
        continue;
      }
      time = date.getTime();
    }
    if (best === undefined || beats(ordering, candidate, time, best, bestTime)) {
      best = candidate;
      bestTime = time;
    }
  }
  return { best: best && toOrdered(best, ordering, created), missing };
}

type CurrentRank = { readonly ordered: OrderedTag } | { readonly why: string } | { readonly unknown: string };

function rankCurrent(
  current: string,
  policy: TagPolicy,
  ordering: ResolvedOrdering,
  created: (tag: string) => Date | undefined,
): CurrentRank {
  const classified = classifyTag(current, policy);
  if (typeof classified === 'string') return { why: describeRejection(current, classified, policy) };
  const ordered = toOrdered(classified, ordering, created);
  if (ordered !== undefined) return { ordered };
  if (ordering.kind === 'newest-build') return { unknown: 'its build time is unknown' };
  return { why: `"${classified.value}" is not a number, unlike every candidate` };
}

/** What the ordering adds to the filter, for the no-match message. */
function orderingNeed(policy: TagPolicy): string {
  const { filter, ordering } = policy.definition;
  if (ordering.kind === 'numerical') return ' and has a numerical value';
  if (ordering.kind === 'semver' && filter.kind !== 'semver') return ' and is a semantic version';
  return '';
}

/** Picks the tag to run under a policy; see the module comment for the rules. */
export function chooseLatestTag(input: ChooseInput): ChooseResult {
  const { policy, candidates, current } = input;
  const ordering = resolveOrdering(policy.definition.ordering, candidates);
  const created = createdOf(input.created);
  const { best, missing } = findTop(candidates, ordering, created);
  const counts = { candidates: candidates.length, missingMetadata: missing };
  const skipped = missing > 0 ? `; ${missing} candidates skipped, build time unknown` : '';
  const orderText = `${formatOrdering(ordering)}${skipped}`;
  if (best === undefined) {
    if (missing > 0) {
      const message = `none of ${missing} candidates has a known build time, which newest-build ordering needs`;
      return { tag: undefined, update: false, reason: 'MissingMetadata', message, ...counts };
    }
    const message = `no tag matches ${formatTagFilter(policy.definition.filter)}${orderingNeed(policy)}`;
    return { tag: undefined, update: false, reason: 'NoMatchingTag', message, ...counts };
  }
  const top = `"${best.tag}" (${describeKey(ordering, best)})`;
  if (current === undefined) {
    const message = `${top} is the best of ${candidates.length} candidates (${orderText})`;
    return { tag: best.tag, update: true, reason: 'NoCurrentTag', message, ...counts };
  }
  if (current === best.tag) {
    const message = `current "${current}" is the best of ${candidates.length} candidates (${orderText})`;
    return { tag: current, update: false, reason: 'UpToDate', message, ...counts };
  }
  const rank = rankCurrent(current, policy, ordering, created);
  if ('unknown' in rank) {
    const message = `current "${current}" is kept: ${rank.unknown}, so ${top} cannot be shown to be newer (${orderText}); never downgrading`;
    return { tag: current, update: false, reason: 'CurrentUnknown', message, ...counts };
  }
  if ('why' in rank) {
    const message = `current "${current}" cannot be ordered under this policy (${rank.why}); ${top} wins`;
    return { tag: best.tag, update: true, reason: 'CurrentNotOrderable', message, ...counts };
  }
  const mine = `current "${current}" (${describeKey(ordering, rank.ordered)})`;
  if (compareRank(ordering, best, rank.ordered) > 0) {
    const message = `${top} ranks above ${mine} (${orderText})`;
    return { tag: best.tag, update: true, reason: 'Newer', message, ...counts };
  }
  const message = `${mine} ranks at or above the best candidate ${top} (${orderText}); never downgrading`;
  return { tag: current, update: false, reason: 'UpToDate', message, ...counts };
}
