/**
 * How candidates are ranked. `asc` (the default) follows Flux v2's `order: asc`: sort
 * ascending and take the last, so the newest build, highest version, highest number or last
 * string wins. `desc` flips it (the oldest / lowest / first wins).
 */
import { invalid, ok, type Result } from './result.ts';

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
