import { type Document, isMap, isScalar, isSeq, type Pair, type Scalar, type YAMLMap } from 'yaml';
import {
  annotationKeyFor,
  PREFIX_PRECEDENCE,
  parseAnnotationKey,
  TAGPILOT_PREFIX,
} from './automation-annotations.ts';
import { canBePlain } from './plain-scalar.ts';
import { parseManifestFile } from './read-manifests.ts';
import { canBeSingleQuoted, doubleQuoted, renderScalar, singleQuoted } from './scalar-style.ts';
import { applyTextEdits, type TextEdit } from './text-edits.ts';
import type { ManifestFile, ParsedFile, ScalarStyle, Workload } from './types.ts';
import { scalarText } from './yaml-nodes.ts';
import { indentAt, lineEndAfter, lineEnding, lineStart, linesAt, pairEnd, pairStart } from './yaml-text.ts';

/** The outcome of `setWorkloadAnnotation`: the new content, or why the file cannot be edited. */
export type AnnotationEditResult =
  | { ok: true; content: string; changed: boolean; keys: string[] }
  | { ok: false; code: 'NO_OBJECT' | 'UNSUPPORTED'; reason: string };

type Step = { edits: TextEdit[]; keys: string[] } | { error: string };

/** The object to edit: apiVersion, kind, namespace and name must all match (a `Workload` fits). */
export type AnnotatedObjectRef = Pick<Workload, 'apiVersion' | 'kind' | 'namespace' | 'name'>;

/** The object's own metadata map and (when present) its `annotations:` pair and map. */
interface Found {
  parsed: ParsedFile;
  metadataPair: Pair;
  metadata: YAMLMap;
  annotationsPair: Pair | undefined;
  annotations: YAMLMap | undefined;
}

/**
 * Sets (or, with `value` undefined, removes) one annotation of the object `workload` in `file`
 * with a minimal diff. The object is a top-level document or an item of a `v1` `List` document whose
 * apiVersion, kind, namespace and name all match (a custom resource of kind `Deployment` is never
 * taken for an `apps/v1` one). `key` is either a full key (`example.com/x`) or a prefix-free automation key
 * (`automated`, `tag.flask`, `locked_msg`): a prefix-free key is changed in place under every
 * prefix that has it (`filter.fluxcd.io/<c>` counts for `tag.<c>`), removed under every prefix, or
 * added under the prefix the object already uses (`tagpilot.io/` when it uses that or none).
 * New keys go under an existing `annotations:` map at its indentation, or a new `annotations:` is
 * added at the end of `metadata:`. Removing the last key of a block `annotations:` map removes the
 * map too; a flow map is left as `{}`.
 */
export function setWorkloadAnnotation(
  file: ManifestFile,
  workload: AnnotatedObjectRef,
  key: string,
  value: string | undefined,
): AnnotationEditResult {
  let content = file.content;
  const keys: string[] = [];
  // Removing under several prefixes re-reads between steps, so each step sees exact ranges.
  for (let round = 0; round <= PREFIX_PRECEDENCE.length; round++) {
    const found = findObject({ path: file.path, content }, workload);
    if (typeof found === 'string')
      return { ok: false, code: round === 0 ? 'NO_OBJECT' : 'UNSUPPORTED', reason: found };
    const step = value === undefined ? removeStep(found, key) : setStep(found, key, value);
    if ('error' in step) return { ok: false, code: 'UNSUPPORTED', reason: step.error };
    keys.push(...step.keys);
    if (step.edits.length === 0) break;
    content = applyTextEdits(content, step.edits);
    if (value !== undefined) break;
  }
  return { ok: true, content, changed: content !== file.content, keys };
}

function findObject(file: ManifestFile, ref: AnnotatedObjectRef): Found | string {
  const { parsed, problems } = parseManifestFile(file);
  for (const { doc } of parsed.documents) {
    for (const object of objectsOf(doc)) {
      const found = matchObject(parsed, object, ref);
      if (found !== undefined) return found;
    }
  }
  const id = `${ref.apiVersion} ${ref.kind} ${ref.namespace ?? '(no namespace)'}/${ref.name}`;
  const why = problems.length > 0 ? ` (${problems.length} document(s) did not parse)` : '';
  return `${file.path}: no ${id}${why}`;
}

/** The document's root map, or the maps among the `items` of a `v1` `List` document. */
function objectsOf(doc: Document.Parsed): YAMLMap[] {
  const root = doc.contents;
  if (!isMap(root)) return [];
  const isList =
    scalarText(ownPair(root, 'apiVersion')?.value) === 'v1' &&
    scalarText(ownPair(root, 'kind')?.value) === 'List';
  const items = ownPair(root, 'items')?.value;
  if (!isList || !isSeq(items)) return [root];
  return items.items.filter((item): item is YAMLMap => isMap(item));
}

function matchObject(parsed: ParsedFile, root: YAMLMap, ref: AnnotatedObjectRef): Found | undefined {
  if (scalarText(ownPair(root, 'apiVersion')?.value) !== ref.apiVersion) return undefined;
  if (scalarText(ownPair(root, 'kind')?.value) !== ref.kind) return undefined;
  const metadataPair = ownPair(root, 'metadata');
  const metadata = metadataPair?.value;
  if (metadataPair === undefined || !isMap(metadata)) return undefined;
  if (scalarText(ownPair(metadata, 'name')?.value) !== ref.name) return undefined;
  if (scalarText(ownPair(metadata, 'namespace')?.value) !== ref.namespace) return undefined;
  const annotationsPair = ownPair(metadata, 'annotations');
  const annotations = isMap(annotationsPair?.value) ? (annotationsPair.value as YAMLMap) : undefined;
  return { parsed, metadataPair, metadata, annotationsPair, annotations };
}

function ownPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key);
}

function matchingPairs(annotations: YAMLMap | undefined, key: string): Pair[] {
  if (annotations === undefined) return [];
  return annotations.items.filter((pair) => {
    const full = scalarText(pair.key);
    if (full === undefined) return false;
    return key.includes('/') ? full === key : parseAnnotationKey(full)?.key === key;
  });
}

function setStep(found: Found, key: string, value: string): Step {
  const existing = matchingPairs(found.annotations, key);
  if (existing.length > 0) return replaceValues(found, existing, value);
  const fullKey = key.includes('/') ? key : preferredKey(found.annotations, key);
  if (found.annotations !== undefined)
    return { edits: [addToMap(found, found.annotations, fullKey, value)], keys: [fullKey] };
  if (found.annotationsPair !== undefined && !isEmptyValue(found.annotationsPair)) {
    return { error: 'metadata.annotations is not a map' };
  }
  return { edits: [addAnnotations(found, fullKey, value)], keys: [fullKey] };
}

function replaceValues(found: Found, pairs: Pair[], value: string): Step {
  const edits: TextEdit[] = [];
  for (const pair of pairs) {
    const scalar = pair.value;
    if (!isScalar(scalar) || scalar.range === undefined || scalar.range === null) {
      return { error: `annotation ${scalarText(pair.key)} does not hold a scalar` };
    }
    if (scalarText(scalar) === value && scalar.value !== null) continue;
    const [start, end] = scalar.range;
    const rendered = renderScalar(value, {
      style: (scalar.type ?? 'PLAIN') as ScalarStyle,
      inFlow: found.annotations?.flow === true,
    });
    if (!rendered.ok) return { error: rendered.reason };
    edits.push({ start, end, text: start === end ? ` ${rendered.text}` : rendered.text });
  }
  return { edits, keys: pairs.map((pair) => scalarText(pair.key) ?? '') };
}

function preferredKey(annotations: YAMLMap | undefined, key: string): string {
  const counts = new Map<string, number>();
  for (const pair of annotations?.items ?? []) {
    const parsed = parseAnnotationKey(scalarText(pair.key) ?? '');
    if (parsed !== undefined) counts.set(parsed.prefix, (counts.get(parsed.prefix) ?? 0) + 1);
  }
  if (counts.has(TAGPILOT_PREFIX)) return TAGPILOT_PREFIX + key;
  const usable = PREFIX_PRECEDENCE.filter((prefix) => counts.has(prefix) && annotationKeyFor(prefix, key));
  const best = usable.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0))[0] ?? TAGPILOT_PREFIX;
  return annotationKeyFor(best, key) ?? TAGPILOT_PREFIX + key;
}

function addToMap(found: Found, map: YAMLMap, key: string, value: string): TextEdit {
  const { content } = found.parsed;
  const entry = `${renderKey(key, map.flow === true)}: ${renderNewValue(value, map)}`;
  const last = map.items.at(-1);
  if (map.flow === true) return insertIntoFlowMap(map, last, entry);
  const first = map.items[0];
  if (first === undefined || last === undefined) return insertIntoFlowMap(map, undefined, entry);
  const at = lineEndAfter(content, pairEnd(last));
  const indent = indentAt(found.parsed.lineCounter, pairStart(first));
  return { start: at, end: at, text: linesAt(content, at, [indent + entry], lineEnding(content)) };
}

function insertIntoFlowMap(map: YAMLMap, last: Pair | undefined, entry: string): TextEdit {
  if (last !== undefined) {
    const at = pairEnd(last);
    return { start: at, end: at, text: `, ${entry}` };
  }
  const close = (map.range?.[1] ?? 1) - 1;
  return { start: close, end: close, text: entry };
}

function addAnnotations(found: Found, key: string, value: string): TextEdit {
  const { content, lineCounter } = found.parsed;
  const { metadata, metadataPair } = found;
  const empty = found.annotationsPair;
  const flowEntry = `${renderKey(key, true)}: ${renderNewValue(value, undefined, true)}`;
  if (metadata.flow === true) {
    if (empty !== undefined) return replaceEmptyValue(empty, `{${flowEntry}}`);
    return insertIntoFlowMap(metadata, metadata.items.at(-1), `annotations: {${flowEntry}}`);
  }
  const entry = `${renderKey(key, false)}: ${renderNewValue(value, undefined)}`;
  const first = metadata.items[0];
  const indent = first === undefined ? '  ' : indentAt(lineCounter, pairStart(first));
  const parentIndent = indentAt(lineCounter, pairStart(metadataPair));
  const step = ' '.repeat(Math.max(2, indent.length - parentIndent.length));
  const eol = lineEnding(content);
  if (empty !== undefined) {
    const at = lineEndAfter(content, pairEnd(empty));
    return { start: at, end: at, text: linesAt(content, at, [indent + step + entry], eol) };
  }
  const last = metadata.items.at(-1);
  const at = last === undefined ? content.length : lineEndAfter(content, pairEnd(last));
  return {
    start: at,
    end: at,
    text: linesAt(content, at, [`${indent}annotations:`, indent + step + entry], eol),
  };
}

function isEmptyValue(pair: Pair): boolean {
  return pair.value === null || (isScalar(pair.value) && pair.value.value === null);
}

function replaceEmptyValue(pair: Pair, text: string): TextEdit {
  const scalar = pair.value as Scalar | null;
  const range = scalar?.range;
  if (range && range[1] > range[0]) return { start: range[0], end: range[1], text };
  const at = pairEnd(pair);
  return { start: at, end: at, text: ` ${text}` };
}

function removeStep(found: Found, key: string): Step {
  const [pair] = matchingPairs(found.annotations, key);
  const map = found.annotations;
  if (pair === undefined || map === undefined) return { edits: [], keys: [] };
  const keys = [scalarText(pair.key) ?? ''];
  const { content } = found.parsed;
  if (map.flow === true) return { edits: [removeFromFlowMap(map, pair)], keys };
  const whole = map.items.length === 1 && found.annotationsPair !== undefined ? found.annotationsPair : pair;
  const start = lineStart(content, pairStart(whole));
  return { edits: [{ start, end: lineEndAfter(content, pairEnd(whole)), text: '' }], keys };
}

function removeFromFlowMap(map: YAMLMap, pair: Pair): TextEdit {
  const index = map.items.indexOf(pair);
  const next = map.items[index + 1];
  if (next !== undefined) return { start: pairStart(pair), end: pairStart(next), text: '' };
  const previous = map.items[index - 1];
  const start = previous === undefined ? pairStart(pair) : pairEnd(previous);
  return { start, end: pairEnd(pair), text: '' };
}

function renderKey(key: string, inFlow: boolean): string {
  return canBePlain(key, { inFlow }) ? key : doubleQuoted(key);
}

/** Plain when the value stays a string that way, else the quote style the siblings use. */
function renderNewValue(
  value: string,
  siblings: YAMLMap | undefined,
  inFlow = siblings?.flow === true,
): string {
  if (canBePlain(value, { inFlow })) return value;
  const quoted = siblings?.items.find((p) => isScalar(p.value) && p.value.type?.startsWith('QUOTE_'))?.value;
  const single = isScalar(quoted) && quoted.type === 'QUOTE_SINGLE' && canBeSingleQuoted(value);
  return single ? singleQuoted(value) : doubleQuoted(value);
}
