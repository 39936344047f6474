import { isMap, isScalar, isSeq, type Scalar } from 'yaml';
import type { ManifestSet, Marker, MarkerField, ParsedFile, Problem, SourceRange } from './types.ts';
import { scalarSite, scalarText } from './yaml-nodes.ts';

/** The JSON key of a Flux v2 setter marker. */
export const MARKER_KEY = '$imagepolicy';

const FIELDS: ReadonlySet<string> = new Set<MarkerField>(['tag', 'name', 'digest']);

/** A parsed marker comment, or why a comment that mentions `$imagepolicy` is not a usable marker. */
export type MarkerComment =
  | { ok: true; policy: { namespace: string; name: string }; field: MarkerField }
  | { ok: false; message: string };

/** Parses a comment's text (after `#`); undefined when it does not mention `$imagepolicy` at all. */
export function parseMarkerComment(comment: string): MarkerComment | undefined {
  const text = comment.trim();
  if (!text.includes(MARKER_KEY)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, message: `setter marker is not valid JSON: ${text}` };
  }
  const value = isRecord(parsed) ? parsed[MARKER_KEY] : undefined;
  if (typeof value !== 'string') return { ok: false, message: `setter marker names no policy: ${text}` };
  const [namespace = '', name = '', field = 'image', ...extra] = value.split(':');
  if (namespace === '' || name === '' || extra.length > 0 || (field !== 'image' && !FIELDS.has(field))) {
    return { ok: false, message: `setter marker must be "<namespace>:<name>[:tag|:name|:digest]": ${text}` };
  }
  return { ok: true, policy: { namespace, name }, field: field as MarkerField };
}

/** Every setter marker in every parsed document, plus problems with marker comments. */
export function findMarkers(set: ManifestSet): { markers: Marker[]; problems: Problem[] } {
  const markers: Marker[] = [];
  const problems: Problem[] = [];
  for (const file of set.files) {
    const found = findMarkersInFile(file);
    markers.push(...found.markers);
    problems.push(...found.problems);
  }
  return { markers, problems };
}

/** The setter markers of one file; files that never mention `$imagepolicy` cost one string search. */
export function findMarkersInFile(file: ParsedFile): { markers: Marker[]; problems: Problem[] } {
  const markers: Marker[] = [];
  const problems: Problem[] = [];
  if (!file.content.includes(MARKER_KEY)) return { markers, problems };
  const scalarRanges: SourceRange[] = [];
  const usedComments = new Set<number>();
  for (const { index, doc } of file.documents) {
    walkScalars(doc.contents, false, (scalar, inFlow) => {
      const range = scalar.range;
      if (range === null || range === undefined) return;
      scalarRanges.push({ start: range[0], end: range[1] });
      const comment = trailingComment(file.content, scalar);
      if (comment === undefined) return;
      const parsed = parseMarkerComment(comment.text);
      if (parsed === undefined) return;
      usedComments.add(comment.offset);
      const line = file.lineCounter.linePos(comment.offset).line;
      if (!parsed.ok) {
        problems.push({ path: file.path, line, message: parsed.message });
        return;
      }
      const value = scalarText(scalar) ?? '';
      const site = scalarSite(file, scalar, false, inFlow);
      if (site === undefined) return;
      markers.push({ path: file.path, index, policy: parsed.policy, field: parsed.field, value, site });
    });
  }
  problems.push(...strayMarkerComments(file, scalarRanges, usedComments));
  return { markers, problems };
}

/** Calls `visit` for every scalar (keys included), with whether it sits in a flow collection. */
function walkScalars(node: unknown, inFlow: boolean, visit: (scalar: Scalar, inFlow: boolean) => void): void {
  if (isScalar(node)) {
    visit(node, inFlow);
    return;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      walkScalars(pair.key, node.flow === true, visit);
      walkScalars(pair.value, node.flow === true, visit);
    }
    return;
  }
  if (isSeq(node)) for (const item of node.items) walkScalars(item, node.flow === true, visit);
}

/** The comment that follows a scalar on its last line (`value  # text`), with the offset of `#`. */
function trailingComment(content: string, scalar: Scalar): { text: string; offset: number } | undefined {
  if (scalar.type === 'BLOCK_LITERAL' || scalar.type === 'BLOCK_FOLDED') return undefined;
  const end = scalar.range?.[1];
  if (end === undefined) return undefined;
  const newline = content.indexOf('\n', end);
  const rest = content.slice(end, newline === -1 ? content.length : newline);
  const match = /^[ \t]+#(.*?)\r?$/.exec(rest);
  if (match === null) return undefined;
  return { text: match[1] ?? '', offset: end + rest.indexOf('#') };
}

/** `$imagepolicy` comments that sit on no scalar's line: Flux ignores them; we say so. */
function strayMarkerComments(file: ParsedFile, scalars: SourceRange[], used: Set<number>): Problem[] {
  const problems: Problem[] = [];
  for (let at = file.content.indexOf(MARKER_KEY); at !== -1; at = file.content.indexOf(MARKER_KEY, at + 1)) {
    if (file.skipped.some((range) => at >= range.start && at < range.end)) continue;
    if (scalars.some((range) => at >= range.start && at < range.end)) continue;
    const lineStart = file.content.lastIndexOf('\n', at) + 1;
    const hash = file.content.indexOf('#', lineStart);
    if (hash === -1 || hash > at || isUsedOnLine(used, lineStart, at)) continue;
    problems.push({
      path: file.path,
      line: file.lineCounter.linePos(at).line,
      message: 'setter marker does not follow a scalar value on its line; it is ignored',
    });
  }
  return problems;
}

function isUsedOnLine(used: Set<number>, lineStart: number, at: number): boolean {
  for (const offset of used) if (offset >= lineStart && offset < at) return true;
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
