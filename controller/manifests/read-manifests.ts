import {
  type Document,
  LineCounter,
  type ParsedNode,
  type ParseOptions,
  parseAllDocuments,
  type SchemaOptions,
} from 'yaml';
import { findDuplicateKey } from './duplicate-keys.ts';
import { cachedParse, type ManifestCache, pruneManifestCache } from './manifest-cache.ts';
import type { ManifestFile, ManifestSet, ParsedDocument, ParsedFile, Problem, SourceRange } from './types.ts';

const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';

/**
 * Parse options for every manifest. YAML 1.1 like kubectl (go-yaml v2): `0644` is octal, `yes` is a boolean, `<<` merges. Timestamps
 * stay strings, as they do when kubectl converts YAML to JSON.
 */
export const YAML_OPTIONS: ParseOptions & SchemaOptions & { version: '1.1' } = {
  version: '1.1',
  merge: true,
  // The package's check is quadratic in a map's size; findDuplicateKey does it in one pass.
  uniqueKeys: false,
  customTags: (tags) => tags.filter((tag) => typeof tag === 'string' || tag.tag !== TIMESTAMP_TAG),
};

/** Parses one file into its documents; documents with errors become problems and are left out. */
export function parseManifestFile(file: ManifestFile): { parsed: ParsedFile; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const problems: Problem[] = [];
  const documents: ParsedDocument[] = [];
  const skipped: SourceRange[] = [];
  const parsed: ParsedFile = { path: file.path, content: file.content, documents, skipped, lineCounter };
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  let docs: ReturnType<typeof parseAllDocuments<ParsedNode, true>>;
  try {
    docs = parseAllDocuments<ParsedNode, true>(file.content, { ...YAML_OPTIONS, lineCounter });
  } catch (error) {
    // The parser reports bad input as document errors; a throw here is a parser bug, but one file
    // must not stop the others.
    skipped.push({ start: 0, end: file.content.length });
    problems.push({ path: file.path, line: 1, message: `YAML parser failed: ${String(error)}` });
    return { parsed, problems };
  }
  docs.forEach((doc, index) => {
    const error = firstError(doc, lineCounter);
    if (error === undefined) {
      documents.push({ index, doc });
      return;
    }
    skipped.push({ start: doc.range[0], end: doc.range[2] });
    problems.push({
      path: file.path,
      line: lineOf(error.offset),
      message: `document ${index} skipped: ${error.message}`,
    });
  });
  return { parsed, problems };
}

/** The first parse error of a document, or its first duplicate key (as the parser would say it). */
function firstError(
  doc: Document.Parsed<ParsedNode, true>,
  lineCounter: LineCounter,
): { offset: number; message: string } | undefined {
  const error = doc.errors[0];
  if (error !== undefined) return { offset: error.pos[0], message: firstLine(error.message) };
  const duplicate = findDuplicateKey(doc.contents);
  if (duplicate === undefined) return undefined;
  const offset = duplicate.range?.[0] ?? doc.range[0];
  const { line, col } = lineCounter.linePos(offset);
  return { offset, message: `Map keys must be unique at line ${line}, column ${col}:` };
}

/** Options of `readManifests`. */
export interface ReadOptions {
  /** Reuse parses of unchanged files across calls; paths not in `files` are dropped. Default: none. */
  cache?: ManifestCache;
}

/** Reads every file (multi-document YAML); what does not parse is reported and skipped. */
export function readManifests(files: readonly ManifestFile[], options: ReadOptions = {}): ManifestSet {
  const set: ManifestSet = { files: [], problems: [] };
  for (const file of files) {
    const { parsed, problems } = cachedParse(options.cache, file, parseManifestFile);
    set.files.push(parsed);
    set.problems.push(...problems);
  }
  if (options.cache !== undefined) pruneManifestCache(options.cache, new Set(files.map((f) => f.path)));
  return set;
}

function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return end === -1 ? message : message.slice(0, end);
}
