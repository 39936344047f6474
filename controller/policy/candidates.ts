/**
 * Filtering: which tags are candidates under a policy, and why the others are not. The steps, in
 * order: `latest` rule, referrer tags (signatures, attestations, SBOMs; referrer-tags.ts), `exclude` globs, `filterTags` (match + extract), the filter itself, then
 * whatever the ordering needs (a semver, a number, a version capture).
 */

import { parseDecimal } from './decimal.ts';
import { expandExtract } from './extract.ts';
import { compileGlob } from './glob.ts';
import type { Candidate } from './ordering.ts';
import type { TagPolicy } from './policy.ts';
import { referrerTagGlob } from './referrer-tags.ts';
import { compileRange, parseSemver, type SemverKey, satisfiesRange } from './semver-key.ts';

export type { Candidate } from './ordering.ts';

/** Why a tag is not a candidate. */
export type RejectReason =
  | 'Latest'
  | 'Excluded'
  | 'ReferrerTag'
  | 'FilterTagsMismatch'
  | 'EmptyExtract'
  | 'NoMatch'
  | 'NotSemver'
  | 'OutOfRange'
  | 'NotANumber'
  | 'NoVersionCapture';

/** A tag the policy rejects, with the reason in words. */
export interface TagRejection {
  readonly tag: string;
  readonly reason: RejectReason;
  readonly message: string;
}

/** The `filterTags` value of a tag: the extract, the tag itself, or undefined when filterTags drops it. */
function extractedValue(tag: string, policy: TagPolicy): string | undefined {
  if (policy.filterTags === undefined) return tag;
  const match = policy.filterTags.exec(tag);
  if (match === null) return undefined;
  return policy.extract === undefined ? tag : expandExtract(policy.extract, match);
}

/** Classifies one tag: its candidate record, or the reason it is rejected. Allocates only for candidates. */
export function classifyTag(tag: string, policy: TagPolicy): Candidate | RejectReason {
  if (tag === 'latest' && !policy.allowLatest) return 'Latest';
  if (policy.definition.referrerTags === 'Exclude' && referrerTagGlob(tag) !== undefined)
    return 'ReferrerTag';
  for (const excluded of policy.exclude) if (excluded(tag)) return 'Excluded';
  let value = extractedValue(tag, policy);
  if (value === undefined) return 'FilterTagsMismatch';
  if (value === '') return 'EmptyExtract';
  if (policy.glob !== undefined && !policy.glob(value)) return 'NoMatch';
  if (policy.regex !== undefined && !policy.versionGroup && !policy.regex.test(value)) return 'NoMatch';
  if (policy.regex !== undefined && policy.versionGroup) {
    const version = policy.regex.capture(value, 'version');
    if (version === null) return 'NoMatch';
    if (version === '') return 'NoVersionCapture';
    value = version;
  }
  let semver: SemverKey | undefined;
  if (policy.range !== undefined) {
    semver = parseSemver(value);
    if (semver === undefined) return 'NotSemver';
    if (!satisfiesRange(policy.range, semver)) return 'OutOfRange';
  }
  const kind = policy.definition.ordering.kind;
  if (kind === 'semver') {
    semver ??= parseSemver(value);
    if (semver === undefined) return 'NotSemver';
  }
  const number = kind === 'numerical' || kind === 'version' ? parseDecimal(value) : undefined;
  if (kind === 'numerical' && number === undefined) return 'NotANumber';
  return { tag, value, semver, number };
}

/** Keeps the tags that are candidates under the policy, in input order. */
export function filterTags(tags: readonly string[], policy: TagPolicy): Candidate[] {
  const candidates: Candidate[] = [];
  for (const tag of tags) {
    const result = classifyTag(tag, policy);
    if (typeof result !== 'string') candidates.push(result);
  }
  return candidates;
}

/** Why the policy rejects a tag; undefined when the tag is a candidate. */
export function rejectionOf(tag: string, policy: TagPolicy): TagRejection | undefined {
  const result = classifyTag(tag, policy);
  if (typeof result !== 'string') return undefined;
  return { tag, reason: result, message: describeRejection(tag, result, policy) };
}

/** Explains a rejection reason for a tag under a policy, e.g. `does not match glob "develop-*"`. */
export function describeRejection(tag: string, reason: RejectReason, policy: TagPolicy): string {
  const def = policy.definition;
  const value = orderedValue(tag, policy);
  const subject = value === tag ? `"${tag}"` : `"${value}" (from tag "${tag}")`;
  switch (reason) {
    case 'Latest':
      return '"latest" is a candidate only when the glob pattern is exactly "latest"';
    case 'Excluded':
      return `excluded by "${def.exclude.find((pattern) => matches(pattern, tag)) ?? ''}"`;
    case 'ReferrerTag':
      return `a signature, attestation or SBOM tag ("${referrerTagGlob(tag) ?? ''}"), excluded by default (referrerTags: Include considers it)`;
    case 'FilterTagsMismatch':
      return `does not match filterTags pattern "${def.filterTags?.pattern ?? ''}"`;
    case 'EmptyExtract':
      return `filterTags extract "${def.filterTags?.extract ?? ''}" gives an empty value`;
    case 'NoMatch':
      return `${subject} does not match ${def.filter.kind} "${'pattern' in def.filter ? def.filter.pattern : ''}"`;
    case 'NotSemver':
      return `${subject} is not a semantic version (MAJOR.MINOR.PATCH, optional leading v)`;
    case 'OutOfRange':
      return outOfRange(subject, value, policy);
    case 'NotANumber':
      return `${subject} is not a number, and the ordering is numerical`;
    case 'NoVersionCapture':
      return `the (?<version>) group of the regex captured nothing in ${subject}`;
  }
}

/** The value a tag is judged by: its version capture, else its extract, else the tag. */
function orderedValue(tag: string, policy: TagPolicy): string {
  const value = extractedValue(tag, policy) ?? tag;
  if (policy.regex === undefined || !policy.versionGroup) return value;
  return policy.regex.capture(value, 'version') || value;
}

function matches(pattern: string, tag: string): boolean {
  const glob = compileGlob(pattern);
  return glob.ok && glob.value(tag);
}

function outOfRange(subject: string, value: string, policy: TagPolicy): string {
  const range = policy.range;
  if (range === undefined) return `${subject} is outside the semver range`;
  const base = `${subject} is outside semver range "${range.raw}"`;
  const version = parseSemver(value);
  const wide = compileRange(range.raw, true);
  if (version === undefined || range.includePrerelease || !wide.ok || !satisfiesRange(wide.value, version))
    return base;
  return `${base}: pre-releases match only when the range names a pre-release of the same major.minor.patch (set includePrerelease to match them all)`;
}
