import { type Document, isAlias, isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { ParsedFile, ScalarSite, ScalarStyle } from './types.ts';

/** A node found by walking the document, and whether the walk went through an alias or merge key. */
export interface Reached {
  node: unknown;
  /** True when the node's text belongs to an anchor that other places share. */
  shared: boolean;
}

/** Follows an alias to its anchored node; anything else is returned as is. */
export function deref(doc: Document, reached: Reached): Reached {
  if (!isAlias(reached.node)) return reached;
  return { node: reached.node.resolve(doc), shared: true };
}

/** Whether a map key is the YAML 1.1 merge key `<<`. */
export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const value = key.value;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

/** The value under `key` in a map (following aliases and `<<` merges, own keys first), or undefined. */
export function mapGet(doc: Document, from: Reached, key: string): Reached | undefined {
  const map = deref(doc, from);
  if (!isMap(map.node)) return undefined;
  const own = map.node.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
  if (own !== undefined) return deref(doc, { node: own.value, shared: map.shared });
  for (const pair of map.node.items) {
    if (!isMergeKey(pair.key)) continue;
    const found = mergedGet(doc, pair, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

function mergedGet(doc: Document, pair: Pair, key: string): Reached | undefined {
  const source = deref(doc, { node: pair.value, shared: true });
  const maps = isSeq(source.node) ? source.node.items : [source.node];
  for (const item of maps) {
    const found = mapGet(doc, { node: item, shared: true }, key);
    if (found !== undefined) return { node: found.node, shared: true };
  }
  return undefined;
}

/** Follows `keys` from `from` through nested maps. */
export function mapPath(doc: Document, from: Reached, keys: readonly string[]): Reached | undefined {
  let at: Reached | undefined = from;
  for (const key of keys) {
    if (at === undefined) return undefined;
    at = mapGet(doc, at, key);
  }
  return at;
}

/** The items of a sequence (each dereferenced), or [] when the node is not a sequence. */
export function seqItems(doc: Document, from: Reached): Reached[] {
  const seq = deref(doc, from);
  if (!isSeq(seq.node)) return [];
  return seq.node.items.map((item) => deref(doc, { node: item, shared: seq.shared }));
}

/** A scalar's string value as written (`1.10` stays `1.10`); undefined for non-scalars and nulls. */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  if (typeof node.source === 'string') return node.source;
  return String(node.value);
}

/** A scalar's value as a string if it is a string/number/boolean, else undefined. */
export function scalarString(reached: Reached | undefined): string | undefined {
  return reached === undefined ? undefined : scalarText(reached.node);
}

/** The map entries of a map node as [key, value] with string keys (aliases followed). */
export function mapEntries(doc: Document, from: Reached): Array<[string, Reached, Pair]> {
  const map = deref(doc, from);
  if (!isMap(map.node)) return [];
  const entries: Array<[string, Reached, Pair]> = [];
  for (const pair of (map.node as YAMLMap).items) {
    const key = scalarText(pair.key);
    if (key === undefined) continue;
    entries.push([key, deref(doc, { node: pair.value, shared: map.shared }), pair]);
  }
  return entries;
}

/** Describes where a scalar sits, for editing; undefined when it has no source range. */
export function scalarSite(
  file: ParsedFile,
  scalar: Scalar,
  shared: boolean,
  inFlow: boolean,
): ScalarSite | undefined {
  const range = scalar.range;
  if (range === undefined || range === null) return undefined;
  return {
    range: { start: range[0], end: range[1] },
    line: file.lineCounter.linePos(range[0]).line,
    style: (scalar.type ?? 'PLAIN') as ScalarStyle,
    inFlow,
    shared,
  };
}

/** Whether a collection node is written in flow style (`[...]` / `{...}`). */
export function isFlowCollection(node: unknown): boolean {
  return (isMap(node) || isSeq(node)) && node.flow === true;
}
