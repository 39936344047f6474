/**
 * Which candidates' build times to read first when a scan may read only some of them (the
 * per-scan budget of newest-build ordering, automation/scan-image.ts). Only what the tag name says
 * for free is used: names that parse as a version (`1.4.2`, `v2.0.0-rc.1`) come first, highest
 * first; then names carrying a timestamp or date (`main-20260102T1530`, `build-1767225600`),
 * latest first; then every other tag in listing order. A guess, never a ranking: the choice is
 * still made by build time alone.
 */
import { compareSemver, parseSemver, type SemverKey } from './semver-key.ts';

/** A run of 8 to 14 digits (YYYYMMDD[hhmm[ss]] or seconds since 1970) inside a tag. */
const TIMESTAMP = /(?:^|\D)(\d{8,14})(?=\D|$)/;

interface Keyed {
  readonly tag: string;
  readonly index: number;
  readonly semver: SemverKey | undefined;
  readonly stamp: number | undefined;
}

/** Seconds since 1970 of a timestamp run: 10 digits are epoch seconds, else YYYYMMDD[hh[mm[ss]]]. */
function stampOf(tag: string): number | undefined {
  const digits = TIMESTAMP.exec(tag)?.[1];
  if (digits === undefined) return undefined;
  if (digits.length === 10) return Number(digits);
  const part = (from: number, to: number) => Number(digits.slice(from, to) || '0');
  const ms = Date.UTC(part(0, 4), part(4, 6) - 1, part(6, 8), part(8, 10), part(10, 12), part(12, 14));
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

function compareKeyed(a: Keyed, b: Keyed): number {
  if (a.semver && b.semver) return compareSemver(b.semver, a.semver) || a.index - b.index;
  if (a.semver || b.semver) return a.semver ? -1 : 1;
  if (a.stamp !== undefined && b.stamp !== undefined) return b.stamp - a.stamp || a.index - b.index;
  if (a.stamp !== undefined || b.stamp !== undefined) return a.stamp !== undefined ? -1 : 1;
  return a.index - b.index;
}

/** The tags in the order their build times should be read; see the module comment. */
export function buildTimePriority(tags: readonly string[]): string[] {
  const keyed = tags.map((tag, index): Keyed => {
    const semver = parseSemver(tag);
    return { tag, index, semver, stamp: semver ? undefined : stampOf(tag) };
  });
  return keyed.sort(compareKeyed).map((k) => k.tag);
}
