/**
 * A V8 RegExp for the simple user patterns whose backtracking is bounded, so they can skip RE2.
 * re2js takes ~13× V8's time per tag (a version-group policy over 100,000 tags: ~118 ms of RE2
 * against ~9 ms). V8 backtracks, which is what RE2 is there to prevent, so only patterns whose
 * worst case is small take this path, the same bargain as the glob fast path (glob.ts):
 *
 * - no alternation, and no quantifier on a group: the constructs behind exponential blow-ups
 *   (`^(a+)+$`, `(a|a)*`) are out;
 * - quantifiers (`*`, `+`, `?`, `{n,m}`; `{n}` is free) only on one character, a class or `.`; at
 *   most 2 when the pattern starts with `^`, at most 1 when it does not (the search tries every
 *   start): at most 128² steps on a value of at most 128 characters (OCI's longest tag), which
 *   `regex.ts` checks before taking this path;
 * - only constructs both engines read alike: ASCII literals, punctuation escapes, `\d \D \w \W`,
 *   `.` (written `[^\n]`, RE2's meaning), classes of ASCII characters and ranges, `(…)`, `(?:…)`,
 *   `(?P<name>…)` / `(?<name>…)`, `^` first and `$` last; the `u` flag makes both count code
 *   points. Without alternation both engines report the same leftmost-first match and the same
 *   groups.
 *
 * Anything else (flags, `\s`, `\b`, POSIX classes, `\p{…}`, Unicode literals, …) returns
 * undefined and runs on RE2. The property test in regex.test.ts checks both engines agree.
 */

/** The translated pattern, or undefined when it is not in the simple subset. */
export function fastRegex(pattern: string): RegExp | undefined {
  const translated = translate(pattern);
  if (translated === undefined) return undefined;
  try {
    return new RegExp(translated, 'u');
  } catch {
    return undefined;
  }
}

/** The longest value the fast path is used for; longer ones go to RE2. */
export const FAST_REGEX_MAX_LENGTH = 128;

const LITERAL = /[A-Za-z0-9_\-,:/@=%~#'"<>&!; ]/;
const PUNCTUATION = /[!-/:-@[-`{-~]/;
// Characters u-mode lets (or makes) a pattern escape outside a class; other punctuation is written bare.
const SYNTAX = /[$()*+./?[\\\]^{|}]/;
const CLASS_ESCAPES = /[dDwW]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*>/;
const COUNTED = /^\{(\d+)(,(\d*))?\}/;

function translate(pattern: string): string | undefined {
  let i = 0;
  let out = '';
  let quantifiers = 0;
  let depth = 0;
  const anchored = pattern.startsWith('^');
  if (anchored) {
    out = '^';
    i = 1;
  }
  // Whether the last item can take a quantifier (one character, a class or `.`).
  let quantifiable = false;
  while (i < pattern.length) {
    const char = pattern[i] as string;
    if (char === '$') {
      if (i !== pattern.length - 1 || depth !== 0) return undefined;
      out += '$';
      i++;
      quantifiable = false;
      continue;
    }
    if (char === '?' || char === '*' || char === '+' || char === '{') {
      if (!quantifiable) return undefined;
      let counted = false;
      if (char === '{') {
        const m = COUNTED.exec(pattern.slice(i));
        if (m === null) return undefined; // RE2 would read a literal `{`; V8's u-mode refuses it
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max > 1000 || min > max) return undefined;
        counted = m[2] !== undefined;
        out += m[0];
        i += m[0].length;
      } else {
        counted = true;
        out += char;
        i++;
      }
      if (pattern[i] === '?') {
        out += '?';
        i++;
      }
      if (counted) quantifiers++;
      if (quantifiers > (anchored ? 2 : 1)) return undefined;
      quantifiable = false;
      continue;
    }
    if (char === '(') {
      const rest = pattern.slice(i + 1);
      if (rest.startsWith('?:')) {
        out += '(?:';
        i += 3;
      } else if (rest.startsWith('?P<') || rest.startsWith('?<')) {
        const at = rest.startsWith('?P<') ? 3 : 2;
        const name = NAME.exec(rest.slice(at));
        if (name === null) return undefined;
        out += `(?<${name[0]}`;
        i += 1 + at + name[0].length;
      } else if (rest.startsWith('?')) {
        return undefined; // flags
      } else {
        out += '(';
        i++;
      }
      depth++;
      quantifiable = false;
      continue;
    }
    if (char === ')') {
      if (depth === 0) return undefined;
      depth--;
      out += ')';
      i++;
      // A quantifier here would repeat a group: not quantifiable, so the next `*` gives up.
      quantifiable = false;
      continue;
    }
    if (char === '[') {
      const end = translateClass(pattern, i);
      if (end === undefined) return undefined;
      out += end.text;
      i = end.next;
      quantifiable = true;
      continue;
    }
    if (char === '.') {
      out += '[^\\n]';
      i++;
      quantifiable = true;
      continue;
    }
    if (char === '\\') {
      const escaped = pattern[i + 1];
      if (escaped === undefined) return undefined;
      if (CLASS_ESCAPES.test(escaped)) out += `\\${escaped}`;
      else if (PUNCTUATION.test(escaped)) out += SYNTAX.test(escaped) ? `\\${escaped}` : escaped;
      else return undefined;
      i += 2;
      quantifiable = true;
      continue;
    }
    if (!LITERAL.test(char)) return undefined; // `|`, `^` inside, stray `]` or `}`, non-ASCII, …
    out += char;
    i++;
    quantifiable = true;
  }
  return depth === 0 ? out : undefined;
}

const CLASS_CHAR = /[A-Za-z0-9_,:/@=%~#'"<>&!; .*+?(){}|$]/;

/** `[…]` starting at `start`: its V8 text and the index after it, or undefined when not simple. */
function translateClass(pattern: string, start: number): { text: string; next: number } | undefined {
  let i = start + 1;
  let out = '[';
  if (pattern[i] === '^') {
    out += '^';
    i++;
  }
  let items = 0;
  while (i < pattern.length && pattern[i] !== ']') {
    const single = classChar(pattern, i);
    if (single === undefined) return undefined;
    i = single.next;
    if (pattern[i] === '-' && pattern[i + 1] !== ']' && single.rangeEnd !== undefined) {
      const end = classChar(pattern, i + 1);
      if (end?.rangeEnd === undefined || end.rangeEnd < single.rangeEnd) return undefined;
      out += `${single.text}-${end.text}`;
      i = end.next;
    } else {
      if (pattern[i] === '-') return undefined; // a bare `-` before `]` or after a class escape
      out += single.text;
    }
    items++;
  }
  if (i >= pattern.length || items === 0) return undefined;
  return { text: `${out}]`, next: i + 1 };
}

/** One class member: a literal (with its code for ranges) or `\d`-style escape. */
function classChar(
  pattern: string,
  i: number,
): { text: string; next: number; rangeEnd: number | undefined } | undefined {
  const char = pattern[i];
  if (char === undefined) return undefined;
  if (char === '\\') {
    const escaped = pattern[i + 1];
    if (escaped === undefined) return undefined;
    if (CLASS_ESCAPES.test(escaped)) return { text: `\\${escaped}`, next: i + 2, rangeEnd: undefined };
    if (!PUNCTUATION.test(escaped)) return undefined;
    // Inside a class u-mode escapes only syntax characters and `-`; other punctuation is written bare.
    const text = SYNTAX.test(escaped) || escaped === '-' ? `\\${escaped}` : escaped;
    return { text, next: i + 2, rangeEnd: escaped.charCodeAt(0) };
  }
  if (!CLASS_CHAR.test(char)) return undefined; // `[`, `-` first, non-ASCII, …
  const text = SYNTAX.test(char) ? `\\${char}` : char;
  return { text, next: i + 1, rangeEnd: char.charCodeAt(0) };
}
