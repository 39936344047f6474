/**
 * Compiling user-written regular expressions: JavaScript syntax, unanchored (a match anywhere in
 * the tag counts, as in Flux v1 and Go's regexp), errors as values.
 */
import { invalid, ok, type Result } from './result.ts';

/** The capture groups a compiled pattern defines. */
export interface RegexGroups {
  /** Number of capturing groups, named ones included. */
  readonly count: number;
  /** Names of the named groups. */
  readonly names: ReadonlySet<string>;
}

// Go (and so Flux v2 docs) writes named groups as (?P<name>...); JavaScript only knows (?<name>...).
const GO_NAMED_GROUP = /(?<!\\)\(\?P</g;

/** Compiles a user pattern (Go's `(?P<name>` accepted as `(?<name>`); empty or invalid is an error value. */
export function compileRegex(pattern: string): Result<RegExp> {
  if (pattern === '') return invalid('empty regex');
  try {
    return ok(new RegExp(pattern.replace(GO_NAMED_GROUP, '(?<')));
  } catch (error) {
    return invalid(`invalid regex "${pattern}": ${regexErrorDetail(error)}`);
  }
}

function regexErrorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 says "Invalid regular expression: /<source>/<flags>: <detail>"; the source is already quoted.
  const detail = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(message);
  return detail?.[1] ?? message;
}

/** Lists the groups of a compiled pattern without needing a tag that matches it. */
export function regexGroups(re: RegExp): RegexGroups {
  // An empty alternative always matches, and the match reports every group (undefined).
  const probe = new RegExp(`(?:${re.source})|`).exec('');
  const count = probe === null ? 0 : probe.length - 1;
  const names = new Set(Object.keys(probe?.groups ?? {}));
  return { count, names };
}
