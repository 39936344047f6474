/**
 * Ranking candidates under an ordering. Ties under the ordering are broken by the tag string:
 * the tag that sorts later (by UTF-16 code units, i.e. byte order for registry tags) ranks
 * higher, whatever the direction, so every choice is deterministic.
 */
import type { Candidate } from './candidates.ts';
import { compareDecimal } from './decimal.ts';
import type { TagOrdering } from './ordering.ts';
import { compareSemver, formatSemver } from './semver-key.ts';

/** Where a tag's image build time (the image config's `created`) comes from. */
export type CreatedLookup = ReadonlyMap<string, Date> | ((tag: string) => Date | undefined);

/** An ordering with the version group resolved to numerical or alphabetical. */
export interface ResolvedOrdering {
  readonly kind: 'newest-build' | 'semver' | 'alphabetical' | 'numerical';
  readonly direction: TagOrdering['direction'];
}

/** A candidate ready to rank: its build time is attached when the ordering uses it. */
export interface OrderedTag {
  readonly tag: string;
  /** The ordered value (version capture, extract or tag). */
  readonly value: string;
  /** Build time; always set under newest-build ordering, else whatever the lookup knew. */
  readonly created: Date | undefined;
  readonly candidate: Candidate;
}

/** Resolves `version` ordering: numerical when every candidate's value is a number, else alphabetical. */
export function resolveOrdering(ordering: TagOrdering, candidates: readonly Candidate[]): ResolvedOrdering {
  if (ordering.kind !== 'version') return { kind: ordering.kind, direction: ordering.direction };
  const numeric = candidates.length > 0 && candidates.every((c) => c.number !== undefined);
  return { kind: numeric ? 'numerical' : 'alphabetical', direction: ordering.direction };
}

/** Turns a lookup (Map, function or nothing) into one function; invalid Dates count as unknown. */
export function createdOf(lookup: CreatedLookup | undefined): (tag: string) => Date | undefined {
  if (lookup === undefined) return () => undefined;
  const get = typeof lookup === 'function' ? lookup : (tag: string) => lookup.get(tag);
  return (tag) => {
    const date = get(tag);
    return date !== undefined && !Number.isNaN(date.getTime()) ? date : undefined;
  };
}

/** Attaches what the ordering needs; undefined when the candidate cannot be ranked under it. */
export function toOrdered(
  candidate: Candidate,
  ordering: ResolvedOrdering,
  created: (tag: string) => Date | undefined,
): OrderedTag | undefined {
  const time = created(candidate.tag);
  if (ordering.kind === 'newest-build' && time === undefined) return undefined;
  if (ordering.kind === 'semver' && candidate.semver === undefined) return undefined;
  if (ordering.kind === 'numerical' && candidate.number === undefined) return undefined;
  return { tag: candidate.tag, value: candidate.value, created: time, candidate };
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Ascending comparison under the ordering kind alone (no direction, no tie-break). */
function compareKeys(kind: ResolvedOrdering['kind'], a: OrderedTag, b: OrderedTag): number {
  switch (kind) {
    case 'newest-build':
      return (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0);
    case 'semver':
      return a.candidate.semver && b.candidate.semver
        ? compareSemver(a.candidate.semver, b.candidate.semver)
        : 0;
    case 'numerical':
      return a.candidate.number && b.candidate.number
        ? compareDecimal(a.candidate.number, b.candidate.number)
        : 0;
    case 'alphabetical':
      return compareText(a.value, b.value);
  }
}

/** Positive when `a` ranks above `b` under the ordering and direction; 0 for a tie. */
export function compareRank(ordering: ResolvedOrdering, a: OrderedTag, b: OrderedTag): number {
  const ascending = compareKeys(ordering.kind, a, b);
  return ordering.direction === 'asc' ? ascending : -ascending;
}

/** Like `compareRank`, with ties broken by tag string (later sorts higher): never 0 for distinct tags. */
export function compareRankStrict(ordering: ResolvedOrdering, a: OrderedTag, b: OrderedTag): number {
  return compareRank(ordering, a, b) || compareText(a.tag, b.tag);
}

/** Shows the key a tag is ranked by, e.g. `1.2.3`, `2024-05-01T10:00:00.000Z`, `42`. */
export function describeKey(ordering: ResolvedOrdering, t: OrderedTag): string {
  if (ordering.kind === 'newest-build') return t.created?.toISOString() ?? 'unknown build time';
  if (ordering.kind === 'semver' && t.candidate.semver) return formatSemver(t.candidate.semver);
  return t.value;
}
