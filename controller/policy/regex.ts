/**
 * Compiling user-written regular expressions. They run on RE2 (`re2js`), the engine behind Go's
 * regexp and so Flux: matching is linear in the tag's length, so no pattern can stall the
 * process (V8's backtracking engine takes exponential time on `^(a+)+$`). The syntax is RE2's:
 * `(?<name>…)` and Go's `(?P<name>…)` both name a group; backreferences and lookaround do not
 * exist in RE2 and are refused with a message that says so. Matching is unanchored (a match
 * anywhere in the tag counts, as in Flux v1 and Go); errors are values.
 */
import { RE2JS } from 're2js';
import { FAST_REGEX_MAX_LENGTH, fastRegex } from './regex-fast.ts';
import { invalid, ok, type Result } from './result.ts';

/** The capture groups a compiled pattern defines. */
export interface RegexGroups {
  /** Number of capturing groups, named ones included. */
  readonly count: number;
  /** Names of the named groups. */
  readonly names: ReadonlySet<string>;
}

/** One match: index 0 is the whole match, 1… the numbered groups, `groups` the named ones. */
export interface RegexMatch {
  readonly [group: number]: string | undefined;
  /** Named groups; a group that did not take part in the match is undefined. */
  readonly groups: Readonly<Record<string, string | undefined>>;
}

/** A compiled user pattern, matched in linear time. */
export interface TagRegex {
  /** The pattern as the user wrote it. */
  readonly source: string;
  /** The groups the pattern defines. */
  readonly groups: RegexGroups;
  /** True when the pattern matches anywhere in the value. */
  test(value: string): boolean;
  /** The first match in the value with its groups, or null. */
  exec(value: string): RegexMatch | null;
  /** One named group of the first match: null when nothing matches, '' when the group took no part. */
  capture(value: string, name: string): string | null;
}

// Only these would make RE2 refuse a pattern JavaScript accepts; the hint names them.
const UNSUPPORTED = [
  { re: /\(\?<?[=!]/, what: 'lookaround ((?=…), (?!…), (?<=…), (?<!…))' },
  { re: /(?<!\\)(?:\\\\)*\\[1-9]/, what: 'backreferences (\\1…\\9)' },
  { re: /(?<!\\)(?:\\\\)*\\k</, what: 'named backreferences (\\k<name>)' },
];

/** Compiles a user pattern with RE2 semantics; empty, invalid or non-RE2 patterns are error values. */
export function compileRegex(pattern: string): Result<TagRegex> {
  if (pattern === '') return invalid('empty regex');
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    return invalid(`invalid regex "${pattern}": ${regexErrorDetail(error, pattern)}`);
  }
  const names = [...Object.keys(re.namedGroups())];
  const count = re.groupCount();
  // A tag without the pattern's anchored literal prefix cannot match: it is refused without
  // running RE2 (which re2js does not do itself), e.g. every `pr-…` tag under `^build-(\d+)$`.
  const prefix = anchoredLiteralPrefix(pattern);
  const cannotMatch = (value: string) => prefix !== '' && !value.startsWith(prefix);
  // Simple patterns on tag-length values run on V8, with bounded backtracking (regex-fast.ts).
  const fast = fastRegex(pattern);
  const onV8 = (value: string) => fast !== undefined && value.length <= FAST_REGEX_MAX_LENGTH;
  // One Matcher reused for every tag: a third faster than re2js's exec, and matching is synchronous.
  const matcher = re.matcher('');
  const exec = (value: string): RegexMatch | null => {
    if (cannotMatch(value)) return null;
    const match: (string | undefined)[] = [];
    const groups: Record<string, string | undefined> = {};
    if (onV8(value)) {
      const found = fast?.exec(value);
      if (!found) return null;
      for (let i = 0; i <= count; i++) match.push(found[i]);
      for (const name of names) groups[name] = found.groups?.[name];
      return Object.assign(match, { groups });
    }
    matcher.resetMatcherInput(value);
    if (!matcher.find()) return null;
    for (let i = 0; i <= count; i++) match.push(matcher.group(i) ?? undefined);
    for (const name of names) groups[name] = matcher.group(name) ?? undefined;
    return Object.assign(match, { groups });
  };
  return ok({
    source: pattern,
    groups: { count, names: new Set(names) },
    test: (value) => !cannotMatch(value) && (onV8(value) ? (fast?.test(value) ?? false) : re.test(value)),
    exec,
    capture: (value, name) => {
      if (cannotMatch(value)) return null;
      if (onV8(value)) {
        const found = fast?.exec(value);
        return found ? (found.groups?.[name] ?? '') : null;
      }
      matcher.resetMatcherInput(value);
      return matcher.find() ? (matcher.group(name) ?? '') : null;
    },
  });
}

// Characters that are themselves outside a class in RE2, and ASCII punctuation that a backslash
// makes literal. Anything else ends the prefix.
const PLAIN = /[A-Za-z0-9_\-,:/@=%~#'"<>&!; ]/;
const ESCAPED_PUNCTUATION = /[\\.+*?()|[\]{}^$\-/_:@=,#%&~!<>'"; ]/;
const QUANTIFIER = /[?*+{]/;
const FLAG_GROUP = /\(\?[-imsU]/;

/**
 * The literal text every match of a `^`-anchored pattern starts with, e.g. `build-` for
 * `^build-(\d+)$`; '' when there is none or the pattern is not that simple. Sound, not complete:
 * a pattern with `|` anywhere, or one that sets flags, gets ''. (A flag group is no atom: in
 * `^a(?i)?` the `?` makes the `a` optional, and `(?i)` would change case anyway.)
 */
export function anchoredLiteralPrefix(pattern: string): string {
  if (!pattern.startsWith('^') || pattern.includes('|') || FLAG_GROUP.test(pattern)) return '';
  let prefix = '';
  let i = 1;
  while (i < pattern.length) {
    const char = pattern[i] as string;
    let literal: string;
    let next: number;
    if (char === '\\' && i + 1 < pattern.length && ESCAPED_PUNCTUATION.test(pattern[i + 1] as string)) {
      literal = pattern[i + 1] as string;
      next = i + 2;
    } else if (PLAIN.test(char)) {
      literal = char;
      next = i + 1;
    } else break;
    // A quantified character is not certain to be there (`^v?1`, `^a*b`): the prefix ends before it.
    if (next < pattern.length && QUANTIFIER.test(pattern[next] as string)) break;
    prefix += literal;
    i = next;
  }
  return prefix;
}

function regexErrorDetail(error: unknown, pattern: string): string {
  const message = error instanceof Error ? error.message : String(error);
  // RE2 says "error parsing regexp: <what>: `<part>`"; the part is dropped when it is the whole pattern.
  const detail = message.replace(/^error parsing regexp: /, '').replace(`: \`${pattern}\``, '');
  const unsupported = UNSUPPORTED.find((u) => u.re.test(pattern));
  if (unsupported === undefined) return detail;
  return `${detail} (${unsupported.what} are not supported: patterns run on RE2, in linear time, as in Go and Flux)`;
}

/** Lists the groups of a compiled pattern. */
export function regexGroups(re: TagRegex): RegexGroups {
  return re.groups;
}
