/** Small helpers for plain JSON values: equality, pointers, and the comparable form of an object. */
import { isRecord, type KubeObject } from '../kube/types.ts';

/** A path into a JSON value: object keys and array indices. */
export type JsonPath = readonly (string | number)[];

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}

/** Metadata that changes on every write or is owned by the server, never by Git. */
const VOLATILE_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'uid',
  'selfLink',
];

/** The object without status and volatile metadata: what a drift or a no-op check compares. */
export function comparable(object: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = object;
  const meta: Record<string, unknown> = { ...metadata };
  for (const field of VOLATILE_METADATA) delete meta[field];
  return { ...rest, metadata: meta };
}

/** True when two states of an object differ only in status and volatile metadata. */
export function sameState(a: KubeObject, b: KubeObject): boolean {
  return jsonEqual(comparable(a), comparable(b));
}

/** Parses an RFC 6901 JSON pointer (`/spec/replicas`) into its keys (all strings). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Resolves pointer keys against a value: keys that index an array become numbers. Undefined when
 * the path does not exist in the value.
 */
export function resolvePath(value: unknown, keys: readonly string[]): JsonPath | undefined {
  const path: (string | number)[] = [];
  let current = value;
  for (const key of keys) {
    if (Array.isArray(current)) {
      const index = Number(key);
      if (!/^\d+$/.test(key) || index >= current.length) return undefined;
      path.push(index);
      current = current[index];
    } else if (isRecord(current) && Object.hasOwn(current, key)) {
      path.push(key);
      current = current[key];
    } else {
      return undefined;
    }
  }
  return path;
}

/** Removes the value at a resolved path; true when something was removed. */
export function removePath(value: unknown, path: JsonPath): boolean {
  if (path.length === 0) return false;
  let parent = value;
  for (const key of path.slice(0, -1)) {
    parent =
      Array.isArray(parent) && typeof key === 'number'
        ? parent[key]
        : isRecord(parent)
          ? parent[String(key)]
          : undefined;
  }
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number' && last < parent.length) {
    parent.splice(last, 1);
    return true;
  }
  if (isRecord(parent) && typeof last === 'string' && Object.hasOwn(parent, last)) {
    delete parent[last];
    return true;
  }
  return false;
}

/** The value at a resolved path. */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isRecord(current) && typeof key === 'string') current = current[key];
    else return undefined;
  }
  return current;
}
