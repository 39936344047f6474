/**
 * Proving, without a dry run, that a server-side apply of a body would change nothing, from the
 * live object alone (the one list per kind a sync reads anyway). A force apply by our field
 * manager sets every field of the body and removes the fields our Apply entry owns that the body
 * lacks (when nobody else owns them); it leaves every other field alone. So when
 * 1. our Apply entry exists, for the body's apiVersion, and no managedFields rewrite is due
 *    (kubectl edits to take over, released paths still ours: apply-object.ts would write first),
 * 2. the fields it owns are exactly the fields of the body (nothing to remove, nothing to add),
 * 3. and every field of the body has its value in the live object,
 * the apply result equals the live object. Fields the server defaulted are in neither the body
 * nor our entry and are not looked at. Values compare strictly, except a JSON number against the
 * decimal string the server stores for a resource quantity (`cpu: 1` is `"1"`); anything else the server
 * normalises (`0.5` → `500m`) is simply not proven, and the caller dry-runs. Every doubt is "not
 * proven": a false "not proven" costs a dry run, a false "proven" would skip a change.
 */
import { isRecord, type KubeObject, type ManagedFieldsEntry } from '../kube/types.ts';
import { applyEntryOf, rewriteManagedFields } from './field-ownership.ts';
import { type JsonPath, jsonEqual, resolvePath } from './json-values.ts';

/** What `proveUnchanged` looks at. */
export interface ProofInput {
  /** The live object, managedFields included. */
  live: KubeObject;
  /** The body the apply would send (the desired object minus ignored paths). */
  body: KubeObject;
  /** Pointer keys tagpilot must not own (ignore rules, replicas under an HPA). */
  release: readonly (readonly string[])[];
  /** Our field manager. */
  fieldManager: string;
}

/** Proven unchanged, or why not (for logs and tests). */
export type Proof = { proven: true } | { proven: false; reason: string };

const PROVEN: Proof = { proven: true };

function notProven(reason: string): Proof {
  return { proven: false, reason };
}

/** Whether applying `body` to `live` would leave it as it is (see the file comment). */
export function proveUnchanged(input: ProofInput): Proof {
  const { live, body, fieldManager } = input;
  const entries = live.metadata.managedFields ?? [];
  const ours = applyEntryOf(entries, fieldManager);
  if (!ours || !isRecord(ours.fieldsV1)) return notProven('no Apply entry of ours');
  if (ours.apiVersion !== body.apiVersion) return notProven(`applied as ${ours.apiVersion ?? 'unknown'}`);
  if (live.apiVersion !== body.apiVersion || live.kind !== body.kind) return notProven('another kind');
  if (needsRewrite(entries, input)) return notProven('managedFields to rewrite first');
  const { apiVersion: _a, kind: _k, metadata, ...rest } = body;
  // Name and namespace identify the object; they are not fields in a field set.
  const { name, namespace, ...meta } = metadata;
  if (name !== live.metadata.name) return notProven('another name');
  if (namespace !== undefined && namespace !== (live.metadata.namespace ?? '')) {
    return notProven('another namespace');
  }
  const desired: Record<string, unknown> = Object.keys(meta).length > 0 ? { ...rest, metadata: meta } : rest;
  return compareMap(desired, live, ours.fieldsV1, []);
}

function needsRewrite(entries: readonly ManagedFieldsEntry[], input: ProofInput): boolean {
  const release = input.release
    .map((keys) => resolvePath(input.live, keys))
    .filter((path) => path !== undefined);
  const rewrite = rewriteManagedFields(entries, {
    fieldManager: input.fieldManager,
    apiVersion: input.body.apiVersion,
    release,
    object: input.live,
    time: '',
  });
  return rewrite !== undefined;
}

/** A map field by field: our set owns exactly the desired keys, each with its live value. */
function compareMap(
  desired: Record<string, unknown>,
  live: unknown,
  fields: Record<string, unknown>,
  at: JsonPath,
): Proof {
  if (!isRecord(live)) return notProven(`${show(at)} absent`);
  for (const key of Object.keys(fields)) {
    if (key === '.') continue;
    if (!key.startsWith('f:') || !Object.hasOwn(desired, key.slice(2))) {
      return notProven(`${show([...at, key])} owned but not in the manifest`);
    }
  }
  for (const [key, value] of Object.entries(desired)) {
    const child = fields[`f:${key}`];
    if (!isRecord(child)) return notProven(`${show([...at, key])} not owned`);
    const proof = compareValue(value, live[key], child, [...at, key]);
    if (!proof.proven) return proof;
  }
  return PROVEN;
}

function compareValue(desired: unknown, live: unknown, fields: Record<string, unknown>, at: JsonPath): Proof {
  if (desired === null || desired === undefined) return notProven(`${show(at)} is null`);
  const leaf = Object.keys(fields).length === 0;
  // A leaf owns the value as a whole (a scalar, or an atomic map or list): it must be equal.
  if (leaf) return sameValue(desired, live, at) ? PROVEN : notProven(`${show(at)} differs`);
  if (isRecord(desired)) return compareMap(desired, live, fields, at);
  if (Array.isArray(desired)) return compareList(desired, live, fields, at);
  return notProven(`${show(at)} is a scalar with owned children`);
}

/**
 * An associative list (`k:` keys) or a set (`v:` keys), element by element in live order: as
 * many elements as the manifest has, each owned by us. A list with others' elements in it (an
 * injected sidecar) is not proven: where the apply would put ours is not known here.
 */
function compareList(
  desired: unknown[],
  live: unknown,
  fields: Record<string, unknown>,
  at: JsonPath,
): Proof {
  if (!Array.isArray(live) || live.length !== desired.length) return notProven(`${show(at)} length differs`);
  const keys = Object.keys(fields).filter((key) => key !== '.');
  if (keys.length !== desired.length) return notProven(`${show(at)} owns another number of items`);
  const used = new Set<string>();
  for (const [index, item] of desired.entries()) {
    const key = keys.find((k) => !used.has(k) && itemKeyMatches(k, live[index]));
    const child = key === undefined ? undefined : fields[key];
    if (key === undefined || !isRecord(child)) return notProven(`${show([...at, index])} not owned`);
    used.add(key);
    const proof = key.startsWith('v:')
      ? sameValue(item, live[index], [...at, index])
        ? PROVEN
        : notProven(`${show([...at, index])} differs`)
      : compareValue(item, live[index], child, [...at, index]);
    if (!proof.proven) return proof;
  }
  return PROVEN;
}

/** True when a `k:{…}` or `v:…` key of a field set names this live list item. */
function itemKeyMatches(key: string, item: unknown): boolean {
  const parsed = parseJson(key.slice(2));
  if (key.startsWith('v:')) return parsed !== undefined && jsonEqual(parsed, item);
  if (!key.startsWith('k:') || !isRecord(parsed) || !isRecord(item)) return false;
  return Object.entries(parsed).every(([name, value]) => jsonEqual(value, item[name]));
}

/**
 * Keys under which the server stores resource quantities as canonical strings (container
 * `resources`, ResourceQuota `hard`, LimitRange `limits`, PVC `capacity`, RuntimeClass
 * `overhead`, emptyDir `sizeLimit`). Elsewhere a number and a string are different values: an
 * int-or-string field keeps the type it was applied with.
 */
const QUANTITY_KEYS = new Set(['resources', 'hard', 'limits', 'capacity', 'overhead', 'sizeLimit']);

/**
 * Deep equality of a desired value and its live value at `at`; under a quantity key (see above)
 * a JSON number equals the decimal string the server stores for it (`cpu: 1` is `"1"`).
 */
export function sameValue(desired: unknown, live: unknown, at: JsonPath): boolean {
  if (desired === live) return true;
  if (typeof desired === 'number' && typeof live === 'string') {
    return String(desired) === live && at.some((key) => typeof key === 'string' && QUANTITY_KEYS.has(key));
  }
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((item, index) => sameValue(item, live[index], [...at, index]))
    );
  }
  if (!isRecord(desired) || !isRecord(live)) return false;
  const keys = Object.keys(desired);
  if (keys.length !== Object.keys(live).length) return false;
  return keys.every((key) => Object.hasOwn(live, key) && sameValue(desired[key], live[key], [...at, key]));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function show(at: JsonPath): string {
  return at.length === 0 ? '(object)' : at.join('.');
}
