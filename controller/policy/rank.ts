/**
 * Listing and explaining, for `list-images` and `check-policy`: every candidate best-first, and
 * for any one tag the reason it did or did not win.
 */
import { type Candidate, classifyTag, describeRejection, type RejectReason } from './candidates.ts';
import {
  type CreatedLookup,
  compareRank,
  compareRankStrict,
  createdOf,
  describeKey,
  formatOrdering,
  type OrderedTag,
  resolveOrdering,
  toOrdered,
} from './ordering.ts';
import type { TagPolicy } from './policy.ts';

/** Input of `listCandidates` and `explainTag`. */
export interface RankInput {
  readonly policy: TagPolicy;
  /** The output of `filterTags(tags, policy)` for the same policy. */
  readonly candidates: readonly Candidate[];
  /** Build times (needed for newest-build ordering); default: none known. */
  readonly created?: CreatedLookup | undefined;
}

/** Candidates that can be ranked, best first (ties broken by tag string, later first). */
export function listCandidates(input: RankInput): OrderedTag[] {
  const ordering = resolveOrdering(input.policy.definition.ordering, input.candidates);
  const created = createdOf(input.created);
  const ordered: OrderedTag[] = [];
  for (const candidate of input.candidates) {
    const t = toOrdered(candidate, ordering, created);
    if (t !== undefined) ordered.push(t);
  }
  return ordered.sort((a, b) => compareRankStrict(ordering, b, a));
}

/** Why a tag wins or loses: a filter rejection, missing metadata, or its rank. */
export type VerdictReason = RejectReason | 'MissingMetadata' | 'NotOrderable' | 'Best' | 'Tie' | 'Older';

/** The verdict on one tag. */
export interface TagVerdict {
  readonly tag: string;
  readonly reason: VerdictReason;
  /** E.g. `does not match glob "develop-*"` or `ranks below "1.3.0" (1.2.0 vs 1.3.0, semver, highest first)`. */
  readonly message: string;
}

/** Input of `explainTag`. */
export interface ExplainInput extends RankInput {
  /** The tag to explain; it need not be among the candidates. */
  readonly tag: string;
  /** The best candidate if already known (`listCandidates(...)[0]`); default: found by a scan of the candidates. */
  readonly best?: OrderedTag | undefined;
}

/** Explains why `tag` is or is not the best candidate. */
export function explainTag(input: ExplainInput): TagVerdict {
  const { policy, tag } = input;
  const classified = classifyTag(tag, policy);
  if (typeof classified === 'string') {
    return { tag, reason: classified, message: describeRejection(tag, classified, policy) };
  }
  const ordering = resolveOrdering(policy.definition.ordering, input.candidates);
  const created = createdOf(input.created);
  const mine = toOrdered(classified, ordering, created);
  if (mine === undefined && ordering.kind === 'newest-build') {
    return {
      tag,
      reason: 'MissingMetadata',
      message: 'its build time is unknown, and newest-build ordering needs it',
    };
  }
  if (mine === undefined) {
    return {
      tag,
      reason: 'NotOrderable',
      message: `"${classified.value}" is not a number, unlike every candidate`,
    };
  }
  const best = input.best ?? bestOf(input.candidates, mine, ordering, created);
  const orderText = formatOrdering(ordering);
  if (best.tag === tag) return { tag, reason: 'Best', message: `ranks first (${orderText})` };
  const keys = `${describeKey(ordering, mine)} vs ${describeKey(ordering, best)}`;
  if (compareRank(ordering, best, mine) === 0) {
    const message = `ties with "${best.tag}" (${keys}, ${orderText}); ties go to the tag that sorts later`;
    return { tag, reason: 'Tie', message };
  }
  return { tag, reason: 'Older', message: `ranks below "${best.tag}" (${keys}, ${orderText})` };
}

function bestOf(
  candidates: readonly Candidate[],
  start: OrderedTag,
  ordering: ReturnType<typeof resolveOrdering>,
  created: (tag: string) => Date | undefined,
): OrderedTag {
  let best = start;
  for (const candidate of candidates) {
    const t = toOrdered(candidate, ordering, created);
    if (t !== undefined && compareRankStrict(ordering, t, best) > 0) best = t;
  }
  return best;
}
