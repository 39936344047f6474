/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1): one header may hold several challenges, each a
 * scheme followed by `name=value` parameters where values are tokens or quoted strings with
 * backslash escapes (`realm="a, b"`, `scope="repository:x:pull,push"`). Hand-written because the
 * comma is both the parameter and the challenge separator and naive regexes split quoted values.
 */

/** One parsed challenge: the scheme lower-cased, parameter names lower-cased. */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN68_CHAR = /[A-Za-z0-9._~+/-]/;

class Scanner {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  skipSeparators(): void {
    while (this.peek() === ',' || this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (!this.done && TOKEN_CHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  quoted(): string {
    this.pos++; // opening quote
    let value = '';
    while (!this.done && this.peek() !== '"') {
      if (this.peek() === '\\') this.pos++;
      value += this.peek();
      this.pos++;
    }
    this.pos++; // closing quote (or past the end of an unterminated string)
    return value;
  }

  /** A token68 credential (`abc123==`) standing alone after the scheme. */
  token68(): string | undefined {
    const start = this.pos;
    while (!this.done && TOKEN68_CHAR.test(this.peek())) this.pos++;
    while (this.peek() === '=') this.pos++;
    const after = this.pos;
    this.skipSpace();
    if (after > start && (this.done || this.peek() === ',')) return this.text.slice(start, after);
    this.pos = start;
    return undefined;
  }
}

/** Reads one `name=value` parameter, or returns undefined (position unchanged) when none follows. */
function readParam(s: Scanner): [string, string] | undefined {
  const start = s.pos;
  const name = s.token();
  s.skipSpace();
  if (name === '' || s.peek() !== '=') {
    s.pos = start;
    return undefined;
  }
  s.pos++;
  s.skipSpace();
  const value = s.peek() === '"' ? s.quoted() : s.token();
  return [name.toLowerCase(), value];
}

function readParams(s: Scanner): Record<string, string> {
  const params: Record<string, string> = {};
  for (;;) {
    const param = readParam(s);
    if (param === undefined) return params;
    params[param[0]] = param[1];
    s.skipSpace();
    if (s.peek() !== ',') return params;
    const comma = s.pos;
    s.skipSeparators();
    // A token not followed by `=` starts the next challenge: give the commas back.
    const next = s.pos;
    if (readParam(s) === undefined) {
      s.pos = comma;
      return params;
    }
    s.pos = next;
  }
}

/** Parses every challenge in a `WWW-Authenticate` value; unparseable text is skipped, never thrown. */
export function parseChallenges(header: string): Challenge[] {
  const s = new Scanner(header);
  const challenges: Challenge[] = [];
  while (!s.done) {
    s.skipSeparators();
    const scheme = s.token();
    if (scheme === '') {
      if (!s.done) s.pos++; // garbage: skip one character and resynchronise
      continue;
    }
    s.skipSpace();
    const token68 = s.token68();
    const params = token68 === undefined ? readParams(s) : { token68 };
    challenges.push({ scheme: scheme.toLowerCase(), params });
  }
  return challenges;
}

/** The parameters of a Bearer token challenge. */
export interface BearerChallenge {
  readonly realm: string;
  readonly service: string | undefined;
  readonly scope: string | undefined;
}

/** The first Bearer challenge with a realm, else undefined. */
export function bearerChallenge(challenges: readonly Challenge[]): BearerChallenge | undefined {
  for (const c of challenges) {
    const realm = c.params.realm;
    if (c.scheme === 'bearer' && realm) {
      return { realm, service: c.params.service, scope: c.params.scope };
    }
  }
  return undefined;
}

/** True when the registry offers Basic authentication. */
export function offersBasic(challenges: readonly Challenge[]): boolean {
  return challenges.some((c) => c.scheme === 'basic');
}
