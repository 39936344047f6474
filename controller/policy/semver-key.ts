/**
 * A lean semver parser and range matcher with node-semver's exact semantics.
 *
 * Why not `new SemVer(tag)` per tag: constructing 100,000 SemVer objects (and throwing for every
 * non-semver tag) costs 100-400 ms, over the whole "choose among 100,000 tags" budget. node-semver
 * still parses the range (its grammar is the hard part); this file only evaluates the parsed
 * comparator sets. `semver-key.test.ts` checks parse, compare and satisfies against node-semver.
 */
import semver from 'semver';
import { invalid, ok, type Result } from './result.ts';

/** One prerelease identifier: numbers when all digits (and safe), like node-semver. */
export type PrereleaseId = string | number;

/** A parsed semantic version: what ordering and range tests need, nothing more. */
export interface SemverKey {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly PrereleaseId[];
}

/** node-semver's strict FULL regex (optional leading `v`); a test pins it to the library's. */
export const SEMVER_FULL =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:\d*[a-zA-Z-][a-zA-Z0-9-]*|0|[1-9]\d*)(?:\.(?:\d*[a-zA-Z-][a-zA-Z0-9-]*|0|[1-9]\d*))*))?(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))?$/;

const MAX_LENGTH = 256;
const DIGITS = /^[0-9]+$/;
const NO_PRERELEASE: readonly PrereleaseId[] = [];

/** Parses a tag as strict semver with an optional leading `v`; undefined when it is not one. */
export function parseSemver(tag: string): SemverKey | undefined {
  if (tag.length > MAX_LENGTH) return undefined;
  const m = SEMVER_FULL.exec(tag.trim());
  if (m === null) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = Number(m[3]);
  if (major > Number.MAX_SAFE_INTEGER || minor > Number.MAX_SAFE_INTEGER || patch > Number.MAX_SAFE_INTEGER) {
    return undefined;
  }
  const prerelease = m[4] === undefined ? NO_PRERELEASE : m[4].split('.').map(prereleaseId);
  return { major, minor, patch, prerelease };
}

function prereleaseId(id: string): PrereleaseId {
  if (!DIGITS.test(id)) return id;
  const num = Number(id);
  return num < Number.MAX_SAFE_INTEGER ? num : id;
}

function compareIds(a: PrereleaseId, b: PrereleaseId): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  const aNum = DIGITS.test(String(a));
  const bNum = DIGITS.test(String(b));
  if (aNum && bNum) {
    const x = Number(a);
    const y = Number(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (aNum !== bNum) return aNum ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

function comparePrerelease(a: readonly PrereleaseId[], b: readonly PrereleaseId[]): number {
  // A release ranks above any of its pre-releases.
  if (a.length === 0 && b.length === 0) return 0;
  if (a.length === 0) return 1;
  if (b.length === 0) return -1;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x !== y) return compareIds(x, y);
  }
  return 0;
}

/** Semver precedence (build metadata ignored): negative, zero or positive like node-semver's compare. */
export function compareSemver(a: SemverKey, b: SemverKey): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

type Operator = '' | '=' | '<' | '>' | '<=' | '>=';

interface Bound {
  readonly operator: Operator;
  /** Undefined for node-semver's ANY comparator (`*`), which admits everything. */
  readonly version: SemverKey | undefined;
}

/** A compiled node-semver range: test a parsed version without building SemVer objects. */
export interface SemverRange {
  /** The range as the user wrote it. */
  readonly raw: string;
  /** Whether pre-releases match outside node-semver's same-major.minor.patch rule. */
  readonly includePrerelease: boolean;
  /** The `||` alternatives, each a list of comparators that must all hold. */
  readonly sets: readonly (readonly Bound[])[];
}

/** Parses a node-semver range; an error value (never a throw) when node-semver rejects it. */
export function compileRange(raw: string, includePrerelease: boolean): Result<SemverRange> {
  if (raw.trim() === '') return invalid('empty semver range (use "*" for any release version)');
  let range: semver.Range;
  try {
    range = new semver.Range(raw, { includePrerelease });
  } catch {
    return invalid(`invalid semver range "${raw}"`);
  }
  const sets = range.set.map((set) => set.map(toBound));
  return ok({ raw, includePrerelease, sets });
}

function toBound(c: semver.Comparator): Bound {
  // node-semver marks "any version" with a symbol in place of the SemVer; its value is ''.
  if (c.value === '') return { operator: c.operator, version: undefined };
  const v = c.semver;
  return {
    operator: c.operator,
    version: { major: v.major, minor: v.minor, patch: v.patch, prerelease: v.prerelease },
  };
}

function testBound(bound: Bound, v: SemverKey): boolean {
  if (bound.version === undefined) return true;
  const c = compareSemver(v, bound.version);
  switch (bound.operator) {
    case '':
    case '=':
      return c === 0;
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
  }
}

function testSet(set: readonly Bound[], v: SemverKey, includePrerelease: boolean): boolean {
  for (const bound of set) if (!testBound(bound, v)) return false;
  if (v.prerelease.length === 0 || includePrerelease) return true;
  // node-semver's rule: a pre-release only matches when a comparator names a pre-release of the
  // same major.minor.patch (so ^1.2.3-rc.1 admits 1.2.3-rc.2 but not 1.3.0-rc.1).
  for (const bound of set) {
    const allowed = bound.version;
    if (allowed === undefined || allowed.prerelease.length === 0) continue;
    if (allowed.major === v.major && allowed.minor === v.minor && allowed.patch === v.patch) return true;
  }
  return false;
}

/** Whether a parsed version satisfies the range, exactly as node-semver's `satisfies`. */
export function satisfiesRange(range: SemverRange, v: SemverKey): boolean {
  for (const set of range.sets) if (testSet(set, v, range.includePrerelease)) return true;
  return false;
}

/** Formats a parsed version without build metadata, e.g. `1.2.3-rc.1`. */
export function formatSemver(v: SemverKey): string {
  const main = `${v.major}.${v.minor}.${v.patch}`;
  return v.prerelease.length === 0 ? main : `${main}-${v.prerelease.join('.')}`;
}
