/**
 * `filterTags.extract` templates, expanded like Go's `regexp.Expand` (what Flux v2 uses):
 * `$name` / `${name}` insert a named group, `$1` / `${1}` a numbered one, `$0` the whole match,
 * `$$` a literal `$`. As in Go, a name runs over every letter, digit and `_`, so `$1x` means a
 * group called `1x` (write `${1}x`). Unlike Go, a reference to a group the pattern does not
 * define is an error when the policy is parsed, not a silent empty string.
 */

import type { RegexGroups, RegexMatch } from './regex.ts';
import { invalid, ok, type Result } from './result.ts';

type Part = { readonly text: string } | { readonly group: number } | { readonly name: string };

/** A parsed extract template, ready to expand against many matches. */
export interface ExtractTemplate {
  /** The template as written. */
  readonly raw: string;
  readonly parts: readonly Part[];
}

const REFERENCE = /^\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/;

/** Parses a template and checks every group it names exists in the pattern. */
export function compileExtract(raw: string, groups: RegexGroups): Result<ExtractTemplate> {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < raw.length) {
    const rest = raw.slice(i);
    if (rest.startsWith('$$')) {
      literal += '$';
      i += 2;
      continue;
    }
    const m = rest.startsWith('$') ? REFERENCE.exec(rest) : null;
    if (m === null) {
      // Go copies a `$` that starts no valid reference as text.
      literal += raw[i];
      i += 1;
      continue;
    }
    if (literal !== '') parts.push({ text: literal });
    literal = '';
    const part = referencePart(m[1] ?? m[2] ?? '', groups, raw);
    if (!part.ok) return part;
    parts.push(part.value);
    i += m[0].length;
  }
  if (literal !== '') parts.push({ text: literal });
  return ok({ raw, parts });
}

function referencePart(ref: string, groups: RegexGroups, raw: string): Result<Part> {
  const isNumber = /^(0|[1-9]\d{0,7})$/.test(ref);
  if (isNumber) {
    const group = Number(ref);
    if (group <= groups.count) return ok({ group });
    return invalid(`extract "${raw}" refers to group ${ref} but the pattern has ${groups.count}`);
  }
  if (groups.names.has(ref)) return ok({ name: ref });
  const hint = /^\d+/.exec(ref);
  const suggestion =
    hint === null
      ? ''
      : ` (write \${${hint[0]}}${ref.slice(hint[0].length)} for group ${hint[0]} followed by text)`;
  return invalid(`extract "${raw}" refers to group "${ref}" which the pattern does not define${suggestion}`);
}

/** Expands the template against one match; unmatched groups expand to ''. */
export function expandExtract(template: ExtractTemplate, match: RegexMatch): string {
  let out = '';
  for (const part of template.parts) {
    if ('text' in part) out += part.text;
    else if ('group' in part) out += match[part.group] ?? '';
    else out += match.groups?.[part.name] ?? '';
  }
  return out;
}
