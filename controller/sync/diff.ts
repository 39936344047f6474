/**
 * Field-level differences between two states of an object, for reports and events:
 * `spec.replicas 4 -> 1`. Lists of named items are matched by name
 * (`containers[name=flask].image`). Secret values are never shown.
 */
import { isRecord, type KubeObject } from '../kube/types.ts';
import { comparable, type JsonPath, jsonEqual } from './json-values.ts';
import type { FieldChange } from './types.ts';

/** A change with the path it sits at in the `before` object (for managedFields lookups). */
export interface PathChange extends FieldChange {
  /** Keys and indices into `before` (or into `after` where `before` lacks the item). */
  at: JsonPath;
}

/** Changes reported at most per diff; the rest are summarised. */
const MAX_CHANGES = 20;
const MAX_VALUE = 60;
const ABSENT = '(absent)';
const REDACTED = '(redacted)';

/** Differences from `before` (undefined: the object did not exist) to `after`, status left out. */
export function diffObjects(before: KubeObject | undefined, after: KubeObject): PathChange[] {
  const changes: PathChange[] = [];
  const redact = after.kind === 'Secret' && (after.apiVersion === 'v1' || after.apiVersion === '');
  walk(before ? comparable(before) : undefined, comparable(after), [], '', changes, redact);
  return changes;
}

function walk(
  a: unknown,
  b: unknown,
  at: (string | number)[],
  path: string,
  out: PathChange[],
  redact: boolean,
): void {
  if (out.length >= MAX_CHANGES || jsonEqual(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
    for (const key of keys) walk(a[key], b[key], [...at, key], joinKey(path, key), out, redact);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    walkArrays(a, b, at, path, out, redact);
    return;
  }
  const secret = redact && isSecretValue(at);
  out.push({ path, at, from: display(a, secret), to: display(b, secret) });
}

function walkArrays(
  a: unknown[],
  b: unknown[],
  at: (string | number)[],
  path: string,
  out: PathChange[],
  redact: boolean,
): void {
  const aNames = namesOf(a);
  const bNames = namesOf(b);
  if (aNames && bNames) {
    for (const name of [...aNames, ...bNames.filter((n) => !aNames.includes(n))]) {
      const ai = aNames.indexOf(name);
      const bi = bNames.indexOf(name);
      const index = ai === -1 ? bi : ai;
      walk(a[ai], b[bi], [...at, index], `${path}[name=${name}]`, out, redact);
    }
    return;
  }
  if (a.length === b.length) {
    for (const [index, item] of a.entries())
      walk(item, b[index], [...at, index], `${path}[${index}]`, out, redact);
    return;
  }
  out.push({ path, at, from: display(a, redact), to: display(b, redact) });
}

/**
 * Where a Secret keeps values: `data`, `stringData`, and the copy of the whole Secret a
 * client-side `kubectl apply` leaves in `last-applied-configuration`.
 */
function isSecretValue(at: readonly (string | number)[]): boolean {
  if (at[0] === 'data' || at[0] === 'stringData') return true;
  return (
    at[0] === 'metadata' &&
    at[1] === 'annotations' &&
    at[2] === 'kubectl.kubernetes.io/last-applied-configuration'
  );
}

/** The `name` of every item when all items are maps with distinct string names. */
function namesOf(items: unknown[]): string[] | undefined {
  const names: string[] = [];
  for (const item of items) {
    if (!isRecord(item) || typeof item.name !== 'string' || names.includes(item.name)) return undefined;
    names.push(item.name);
  }
  return names;
}

function joinKey(path: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${key}]`;
}

function display(value: unknown, secret: boolean): string {
  if (value === undefined) return ABSENT;
  if (secret) return REDACTED;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** `spec.replicas 4 -> 1, metadata.labels.x y -> (absent)` (first few changes). */
export function describeChanges(changes: readonly FieldChange[], limit = 3): string {
  const shown = changes.slice(0, limit).map((c) => `${c.path} ${c.from} -> ${c.to}`);
  if (changes.length > limit) shown.push(`and ${changes.length - limit} more`);
  return shown.join(', ');
}
