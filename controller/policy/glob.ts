/**
 * Compiling glob patterns: micromatch's dialect, the whole tag must match, errors as values.
 *
 * micromatch turns a glob into a JavaScript RegExp, and V8 backtracks: `*a*a*a*a*a*a*a*a*a*a`
 * against 41 characters took 24 s. So micromatch's regex is run on RE2 (`re2js`, linear time)
 * instead. RE2 has no lookaround, and micromatch uses it only for things a tag cannot have or
 * that are said another way: a leading dot (Docker tags start with a word character), a path
 * separator (tags have none), "at least one character" at the start or before a final `*`, and the
 * leading `!` negation (matched here as "not the rest"). A glob that still needs lookaround
 * (extglobs such as `!(a|b)`) is refused as invalid: fail closed, never "match everything".
 */
import micromatch from 'micromatch';
import { RE2JS } from 're2js';
import { invalid, ok, type Result } from './result.ts';

/** A compiled glob: true when the whole string matches. */
export type GlobMatcher = (value: string) => boolean;

// micromatch's lookarounds that mean nothing for a tag, and their RE2 equivalents, in order.
// `(?=.)` says "one more character follows": implied at the start (the tag is not empty), and
// at the end it makes the final `*` take at least one character.
const LOOKAROUND_REWRITES: readonly (readonly [RegExp, string])[] = [
  [/\(\?!\(\?:\^\|\\\/\)\\\.\)/g, ''],
  [/\(\?!\\\.\)/g, ''],
  [/^\^\(\?:\(\?=\.\)/, '^(?:'],
  [/\(\?=\.\)\[\^\/\]\*\?((?:\\\/\?)?\)\$)$/, '[^/]+?$1'],
];

// micromatch writes a leading-`!` glob as "anything that is not the rest": ^(?!<rest>).*$
const NEGATION = /^\^\(\?!(.*)\)\.\*\$$/s;

/**
 * Compiles a micromatch glob once; empty, unparseable or lookaround-needing patterns are error
 * values. Empty never matches and the pattern itself always does (micromatch.matcher's rules).
 */
export function compileGlob(pattern: string): Result<GlobMatcher> {
  if (pattern === '') return invalid('empty glob pattern');
  let re: RE2JS;
  let negated: boolean;
  try {
    const source = micromatch.makeRe(pattern).source;
    const negatedBody = NEGATION.exec(source)?.[1];
    negated = negatedBody !== undefined;
    re = RE2JS.compile(toRe2Source(negatedBody ?? source));
  } catch (error) {
    return invalid(`invalid glob "${pattern}": ${globErrorDetail(error)}`);
  }
  if (negated) return ok((value) => value !== '' && (value === pattern || !re.testExact(value)));
  return ok((value) => value !== '' && (value === pattern || re.testExact(value)));
}

function toRe2Source(source: string): string {
  let out = source;
  for (const [from, to] of LOOKAROUND_REWRITES) out = out.replace(from, to);
  return out;
}

function globErrorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Perl syntax|named capture/.test(message)) {
    return 'this glob needs lookaround (e.g. the extglob !(…)), which the linear-time matcher does not run';
  }
  return message.replace(/^error parsing regexp: /, '');
}
