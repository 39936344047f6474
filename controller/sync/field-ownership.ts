/**
 * Reading and rewriting `metadata.managedFields` (structured-merge-diff `FieldsV1` sets).
 *
 * Takeover: `kubectl create/edit/patch/label/annotate/scale/replace/set` and client-side
 * `kubectl apply` write with `Update` operations under managers named `kubectl` or `kubectl-*`
 * (verified against kube-apiserver 1.34 with kubectl 1.32: `kubectl-create`, `kubectl-edit`,
 * `kubectl-patch`, `kubectl-label`, `kubectl-annotate`, `kubectl-client-side-apply`,
 * `kubectl-replace`, `kubectl-set`, and `kubectl` with subresource `scale` for `kubectl scale`);
 * `before-first-apply` holds what existed before the first server-side apply. Fields those
 * managers own survive a server-side apply that leaves them out, so a field removed from Git
 * would stay in the cluster. Moving their fields into tagpilot's Apply entry makes tagpilot the
 * sole owner; the next apply then removes whatever Git no longer has, including
 * `last-applied-configuration`. Server-side `kubectl apply` (operation `Apply`) is another
 * applier and is left alone.
 *
 * Release: fields tagpilot must stop owning (ignore rules, `/spec/replicas` under an HPA) are
 * removed from its entry, so leaving them out of the apply does not delete them.
 */
import type { ManagedFieldsEntry } from '../kube/types.ts';
import { isRecord } from '../kube/types.ts';
import { type JsonPath, jsonEqual } from './json-values.ts';

/** True for managedFields entries written by kubectl client-side verbs (see the file comment). */
export function isKubectlEdit(entry: ManagedFieldsEntry): boolean {
  if (entry.operation !== 'Update' || entry.subresource === 'status') return false;
  const manager = entry.manager ?? '';
  return manager === 'kubectl' || manager.startsWith('kubectl-') || manager === 'before-first-apply';
}

/** The entry a field manager's server-side applies are recorded in. */
export function applyEntryOf(
  entries: readonly ManagedFieldsEntry[],
  fieldManager: string,
): ManagedFieldsEntry | undefined {
  return entries.find((e) => e.manager === fieldManager && e.operation === 'Apply' && !e.subresource);
}

/**
 * True when a field set owns the value at `path` of `object` (the object the set describes);
 * owning an atomic ancestor (a leaf in the set) counts.
 */
export function fieldsOwn(fields: unknown, path: JsonPath, object: unknown): boolean {
  let node = fields;
  let value = object;
  for (const [step, key] of path.entries()) {
    if (!isRecord(node)) return false;
    // A leaf above the end of the path owns an atomic value (e.g. `f:selector`) as a whole.
    if (step > 0 && Object.keys(node).length === 0) return true;
    const child = childKey(node, key, value);
    if (child === undefined) return false;
    node = node[child];
    value =
      Array.isArray(value) && typeof key === 'number'
        ? value[key]
        : isRecord(value)
          ? value[String(key)]
          : undefined;
  }
  return isRecord(node);
}

/** The FieldsV1 key for one step of a path: `f:<key>`, `k:{…}`, `v:<json>` or `i:<n>`. */
function childKey(node: Record<string, unknown>, key: string | number, value: unknown): string | undefined {
  if (typeof key === 'string') return Object.hasOwn(node, `f:${key}`) ? `f:${key}` : undefined;
  const element = Array.isArray(value) ? value[key] : undefined;
  for (const candidate of Object.keys(node)) {
    if (candidate.startsWith('k:') && isRecord(element) && keyMatches(candidate.slice(2), element))
      return candidate;
    if (candidate.startsWith('v:') && jsonEqual(parseJson(candidate.slice(2)), element)) return candidate;
    if (candidate === `i:${key}`) return candidate;
  }
  return undefined;
}

function keyMatches(json: string, element: Record<string, unknown>): boolean {
  const keys = parseJson(json);
  if (!isRecord(keys)) return false;
  return Object.entries(keys).every(([name, value]) => jsonEqual(element[name], value));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The managers (other than `exclude`, status writers left out) that own the value at `path`. */
export function ownersOf(
  entries: readonly ManagedFieldsEntry[],
  path: JsonPath,
  object: unknown,
  exclude: string,
): string[] {
  const owners = new Set<string>();
  for (const entry of entries) {
    if (entry.manager === undefined || entry.manager === exclude || entry.subresource === 'status') continue;
    if (fieldsOwn(entry.fieldsV1, path, object)) owners.add(entry.manager);
  }
  return [...owners];
}

/** The manager of the most recent non-status write by someone other than `exclude`. */
export function latestOtherManager(
  entries: readonly ManagedFieldsEntry[],
  exclude: string,
): string | undefined {
  let latest: ManagedFieldsEntry | undefined;
  for (const entry of entries) {
    if (entry.manager === undefined || entry.manager === exclude || entry.subresource === 'status') continue;
    if (!latest || (entry.time ?? '') > (latest.time ?? '')) latest = entry;
  }
  return latest?.manager;
}

/** What a rewrite of managedFields should do. */
export interface RewriteRequest {
  fieldManager: string;
  /** apiVersion recorded on a new Apply entry. */
  apiVersion: string;
  /** Paths (resolved against `object`) tagpilot must stop owning. */
  release: readonly JsonPath[];
  /** The live object the entries belong to. */
  object: unknown;
  /** RFC 3339 time for a new entry. */
  time: string;
}

/** The rewritten entries, or undefined when nothing needs to change. */
export interface RewriteResult {
  entries: ManagedFieldsEntry[];
  tookOverFrom: string[];
}

/** Moves kubectl edits' fields to tagpilot's Apply entry and drops released paths from it. */
export function rewriteManagedFields(
  entries: readonly ManagedFieldsEntry[],
  request: RewriteRequest,
): RewriteResult | undefined {
  const ours = applyEntryOf(entries, request.fieldManager);
  const takeover = entries.filter(isKubectlEdit);
  const merged: Record<string, unknown> = structuredClone(ours?.fieldsV1 ?? {});
  for (const entry of takeover) mergeFields(merged, entry.fieldsV1 ?? {});
  // Released paths are checked against the merged set: a replica count set by `kubectl scale`
  // under an HPA must not become tagpilot's through the takeover.
  const release = request.release.filter((path) => fieldsOwn(merged, path, request.object));
  if (takeover.length === 0 && release.length === 0) return undefined;
  for (const path of release) removeFields(merged, path, request.object);
  const kept = entries.filter((e) => e !== ours && !takeover.includes(e));
  const entry: ManagedFieldsEntry = ours
    ? { ...ours, fieldsV1: merged }
    : {
        manager: request.fieldManager,
        operation: 'Apply',
        apiVersion: request.apiVersion,
        time: request.time,
        fieldsType: 'FieldsV1',
        fieldsV1: merged,
      };
  return { entries: [...kept, entry], tookOverFrom: [...new Set(takeover.map((e) => e.manager ?? ''))] };
}

/** Adds every field of `source` to `target` (a union of field sets). */
export function mergeFields(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isRecord(existing) && isRecord(value)) mergeFields(existing, value);
    else if (!isRecord(existing)) target[key] = structuredClone(value);
  }
}

/**
 * Removes the field at `path` from a field set, then every ancestor left empty: an empty map in
 * a FieldsV1 set means "owns this value atomically", so it must not linger.
 */
export function removeFields(fields: Record<string, unknown>, path: JsonPath, object: unknown): void {
  const chain: { node: Record<string, unknown>; key: string }[] = [];
  let node: unknown = fields;
  let value = object;
  for (const step of path) {
    if (!isRecord(node)) return;
    const key = childKey(node, step, value);
    if (key === undefined) return;
    chain.push({ node, key });
    node = node[key];
    value =
      Array.isArray(value) && typeof step === 'number'
        ? value[step]
        : isRecord(value)
          ? value[String(step)]
          : undefined;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const link = chain[i];
    if (!link) break;
    const child = link.node[link.key];
    const isTarget = i === chain.length - 1;
    if (!isTarget && isRecord(child) && Object.keys(child).some((k) => k !== '.')) break;
    delete link.node[link.key];
  }
}
