/**
 * How candidates are ranked, in one place: the ordering a policy names (parsed from the sort
 * annotation or a spec, shown back to people), and the ranking of candidates under it.
 *
 * `asc` (the default) follows Flux v2's `order: asc`: sort ascending and take the last, so the
 * newest build, highest version, highest number or last string wins. `desc` flips it (the oldest /
 * lowest / first wins). Ties under the ordering are broken by the tag string: the tag that sorts
 * later (by UTF-16 code units, i.e. byte order for registry tags) ranks higher, whatever the
 * direction, so every choice is deterministic.
 */
import { compareDecimal, type DecimalKey } from './decimal.ts';
import { invalid, ok, type Result } from './result.ts';
import { compareSemver, formatSemver, type SemverKey } from './semver-key.ts';

/**
 * The ordering kinds. `version` is not written by users: it is the default of a regex with a
 * `(?<version>…)` group, and ranks numerically when every candidate's capture is a number, else
 * alphabetically.
 */
export type OrderKind = 'newest-build' | 'semver' | 'alphabetical' | 'numerical' | 'version';

/** `asc` (default): the greatest wins; `desc`: the least wins. */
export type SortDirection = 'asc' | 'desc';

/** An ordering: what is compared and which end wins. */
export interface TagOrdering {
  readonly kind: OrderKind;
  readonly direction: SortDirection;
}

const USER_KINDS: readonly OrderKind[] = ['newest-build', 'semver', 'alphabetical', 'numerical'];

/** Parses the sort annotation value, e.g. `numerical`, `semver:desc`, `newest-build:asc`. */
export function parseSortOrder(value: string): Result<TagOrdering> {
  const text = value.trim();
  const [kindText = '', directionText = 'asc', ...extra] = text.split(':');
  const kind = USER_KINDS.find((k) => k === kindText);
  if (kind === undefined || extra.length > 0) {
    return invalid(
      `unknown sort order "${text}" (use newest-build, semver, alphabetical or numerical, optionally followed by :asc or :desc)`,
    );
  }
  const direction = parseDirection(directionText);
  if (direction === undefined)
    return invalid(`unknown sort direction "${directionText}" in "${text}" (use asc or desc)`);
  return ok({ kind, direction });
}

/** Reads `asc` / `desc`; undefined for anything else. */
export function parseDirection(text: string): SortDirection | undefined {
  return text === 'asc' || text === 'desc' ? text : undefined;
}

/** Describes an ordering for people, e.g. `semver, highest first`. */
export function formatOrdering(ordering: TagOrdering): string {
  const ascending = ordering.direction === 'asc';
  switch (ordering.kind) {
    case 'newest-build':
      return ascending ? 'newest build first' : 'oldest build first';
    case 'semver':
      return ascending ? 'semver, highest first' : 'semver, lowest first';
    case 'alphabetical':
      return ascending ? 'alphabetical, z to a' : 'alphabetical, a to z';
    case 'numerical':
      return ascending ? 'numerical, highest first' : 'numerical, lowest first';
    case 'version':
      return ascending ? 'version group, highest first' : 'version group, lowest first';
  }
}

/** A tag that passed the filter, with the keys its ordering needs parsed once. */
export interface Candidate {
  /** The tag as listed by the registry. */
  readonly tag: string;
  /** What is ordered: the `version` capture, else the `filterTags` extract, else the tag. */
  readonly value: string;
  /** The value as semver; set for semver filters and semver ordering. */
  readonly semver: SemverKey | undefined;
  /** The value as a decimal number; set for numerical and version-group ordering when it is one. */
  readonly number: DecimalKey | undefined;
}

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
  if (!hasKey(ordering, candidate)) return undefined;
  return { tag: candidate.tag, value: candidate.value, created: time, candidate };
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Ascending comparison of two candidates under the ordering kind alone (no direction, no
 * tie-break). Build times are passed as numbers (NaN when unused) so hot loops allocate nothing.
 */
export function compareCandidates(
  kind: ResolvedOrdering['kind'],
  a: Candidate,
  aTime: number,
  b: Candidate,
  bTime: number,
): number {
  switch (kind) {
    case 'newest-build':
      return aTime === bTime ? 0 : aTime < bTime ? -1 : 1;
    case 'semver':
      return a.semver && b.semver ? compareSemver(a.semver, b.semver) : 0;
    case 'numerical':
      return a.number && b.number ? compareDecimal(a.number, b.number) : 0;
    case 'alphabetical':
      return compareText(a.value, b.value);
  }
}

/** True when candidate `a` ranks above `b` (direction applied, ties broken by tag string). */
export function beats(
  ordering: ResolvedOrdering,
  a: Candidate,
  aTime: number,
  b: Candidate,
  bTime: number,
): boolean {
  const ascending = compareCandidates(ordering.kind, a, aTime, b, bTime);
  const ranked = ordering.direction === 'asc' ? ascending : -ascending;
  return ranked > 0 || (ranked === 0 && a.tag > b.tag);
}

function timeOf(t: OrderedTag): number {
  return t.created?.getTime() ?? Number.NaN;
}

/** Positive when `a` ranks above `b` under the ordering and direction; 0 for a tie. */
export function compareRank(ordering: ResolvedOrdering, a: OrderedTag, b: OrderedTag): number {
  const ascending = compareCandidates(ordering.kind, a.candidate, timeOf(a), b.candidate, timeOf(b));
  return ordering.direction === 'asc' || ascending === 0 ? ascending : -ascending;
}

/** Like `compareRank`, with ties broken by tag string (later sorts higher): never 0 for distinct tags. */
export function compareRankStrict(ordering: ResolvedOrdering, a: OrderedTag, b: OrderedTag): number {
  return compareRank(ordering, a, b) || compareText(a.tag, b.tag);
}

/** Whether a candidate has the key the ordering needs, build time aside. */
export function hasKey(ordering: ResolvedOrdering, candidate: Candidate): boolean {
  if (ordering.kind === 'semver') return candidate.semver !== undefined;
  if (ordering.kind === 'numerical') return candidate.number !== undefined;
  return true;
}

/** Shows the key a tag is ranked by, e.g. `1.2.3`, `2024-05-01T10:00:00.000Z`, `42`. */
export function describeKey(ordering: ResolvedOrdering, t: OrderedTag): string {
  if (ordering.kind === 'newest-build') return t.created?.toISOString() ?? 'unknown build time';
  if (ordering.kind === 'semver' && t.candidate.semver) return formatSemver(t.candidate.semver);
  return t.value;
}
