/**
 * Tag filters as written in workload annotations (`tagpilot.io/tag.<container>`, and Flux v1's
 * `fluxcd.io/tag.<container>`): `glob:<pattern>`, `semver:<range>`, `regex:<pattern>` or
 * `regexp:<pattern>`. A value with no `kind:` prefix is a glob, as in Flux v1.
 */
import { compileGlob } from './glob.ts';
import { compileRegex } from './regex.ts';
import { invalid, ok, type Result } from './result.ts';
import { compileRange } from './semver-key.ts';

/** Which tags a policy accepts before ordering. `any` is the filter of the ordering-only policies. */
export type TagFilter =
  | { readonly kind: 'any' }
  | { readonly kind: 'glob'; readonly pattern: string }
  | { readonly kind: 'semver'; readonly range: string; readonly includePrerelease: boolean }
  | { readonly kind: 'regex'; readonly pattern: string };

const PREFIX = /^([A-Za-z][A-Za-z0-9_-]*):/;
const KNOWN_PREFIXES = 'glob:, semver:, regex: or regexp:';

/** Parses and validates an annotation filter value such as `semver:^1.2` or `glob:develop-*`. */
export function parseTagFilter(value: string): Result<TagFilter> {
  const text = value.trim();
  if (text === '') return invalid(`empty tag filter (use ${KNOWN_PREFIXES} followed by a pattern)`);
  const prefix = PREFIX.exec(text);
  if (prefix === null) return globFilter(text);
  const body = text.slice(prefix[0].length);
  switch (prefix[1]) {
    case 'glob':
      return globFilter(body);
    case 'semver':
      return semverFilter(body, false);
    case 'regex':
    case 'regexp':
      return regexFilter(body);
    default:
      return invalid(`unknown tag filter kind "${prefix[1]}" in "${text}" (use ${KNOWN_PREFIXES})`);
  }
}

/** Builds a validated glob filter. */
export function globFilter(pattern: string): Result<TagFilter> {
  const compiled = compileGlob(pattern);
  return compiled.ok ? ok({ kind: 'glob', pattern }) : compiled;
}

/** Builds a validated semver filter. */
export function semverFilter(range: string, includePrerelease: boolean): Result<TagFilter> {
  const compiled = compileRange(range, includePrerelease);
  return compiled.ok ? ok({ kind: 'semver', range, includePrerelease }) : compiled;
}

/** Builds a validated regex filter. */
export function regexFilter(pattern: string): Result<TagFilter> {
  const compiled = compileRegex(pattern);
  return compiled.ok ? ok({ kind: 'regex', pattern }) : compiled;
}

/** Renders a filter the way a user would write it in an annotation, e.g. `semver:^1`. */
export function formatTagFilter(filter: TagFilter): string {
  switch (filter.kind) {
    case 'any':
      return 'any tag';
    case 'glob':
      return `glob:${filter.pattern}`;
    case 'semver':
      return `semver:${filter.range}${filter.includePrerelease ? ' (pre-releases included)' : ''}`;
    case 'regex':
      return `regex:${filter.pattern}`;
  }
}
