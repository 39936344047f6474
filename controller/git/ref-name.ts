// Git branch names as `git check-ref-format --branch` accepts them. `sanitizeRefComponent` turns any
// text (an ImagePolicy or workload name) into one path component that is always valid; `checkBranchName`
// says why a whole branch name is not. The rules (git-check-ref-format(1)): no ASCII control
// characters, space, `~ ^ : ? * [ \`, no `..`, no `@{`, not `@` alone, no component that starts
// with `.` or ends with `.lock`, no empty component (`//`, a leading or trailing `/`), no trailing
// `.`, and a branch name does not start with `-`.

/** The longest component `sanitizeRefComponent` returns; forges cope with far longer, people do not. */
export const MAX_REF_COMPONENT = 100;

// Characters git refuses anywhere in a ref, and `/` (a component holds none).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what git refuses
const REFUSED = /[\x00-\x20\x7f~^:?*[\\/]+/g;

/**
 * One valid ref component made of `text`: every run of refused characters becomes `-`, `..` and
 * `@{` are broken up, leading `.`/`-` and trailing `.`/`-` are dropped, a `.lock` suffix loses its
 * dot, and the result is cut at 100 characters. Empty input (or nothing left) gives `image`.
 */
export function sanitizeRefComponent(text: string): string {
  let out = text
    .replace(REFUSED, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/@\{/g, '-{')
    .replace(/-{2,}/g, '-');
  out = trimEnds(out).slice(0, MAX_REF_COMPONENT);
  out = trimEnds(out);
  if (out.toLowerCase().endsWith('.lock')) out = `${out.slice(0, -5)}-lock`;
  if (out === '' || out === '@') return 'image';
  return out;
}

function trimEnds(text: string): string {
  return text.replace(/^[.-]+/, '').replace(/[.-]+$/, '');
}

/** Why `name` is not a valid branch name (as `git check-ref-format --branch` judges it), or undefined. */
export function checkBranchName(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name === '@') return 'it is "@"';
  if (name.startsWith('-')) return 'it starts with "-"';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what git refuses
  const bad = /[\x00-\x20\x7f~^:?*[\\]/.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}`;
  if (name.includes('..')) return 'it contains ".."';
  if (name.includes('@{')) return 'it contains "@{"';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const component of name.split('/')) {
    if (component === '') return 'it has an empty path component ("//", or "/" at an end)';
    if (component.startsWith('.')) return `its component "${component}" starts with "."`;
    if (component.endsWith('.lock')) return `its component "${component}" ends with ".lock"`;
  }
  return undefined;
}
