import type { KubeObject, ManifestSet, ParsedFile, Problem } from './types.ts';

/** Kubernetes objects rendered from documents, and documents that could not be rendered. */
export interface RenderedObjects {
  objects: KubeObject[];
  problems: Problem[];
}

/**
 * The plain JS object of every parsed document that is a map with string `apiVersion` and `kind`,
 * in file and document order. Values follow YAML 1.1 like kubectl (`0644` is 420, merges applied,
 * timestamps stay strings). Separate from `readManifests` so the image loop does not pay for it.
 */
export function toKubeObjects(set: ManifestSet): RenderedObjects {
  const rendered: RenderedObjects = { objects: [], problems: [] };
  for (const file of set.files) addObjectsOfFile(rendered, file);
  return rendered;
}

function addObjectsOfFile(rendered: RenderedObjects, file: ParsedFile): void {
  for (const { index, doc } of file.documents) {
    let object: unknown;
    try {
      // Throws on input the parser accepts but JS cannot hold: a merge of a non-map, alias bombs.
      object = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      const line = file.lineCounter.linePos(doc.range[0]).line;
      const message = `document ${index} skipped: ${error instanceof Error ? error.message : String(error)}`;
      rendered.problems.push({ path: file.path, line, message });
      continue;
    }
    if (!isRecord(object)) continue;
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== 'string' && typeof kind !== 'string') continue;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
      // Half an object is a typo (`kidn:`), not a non-Kubernetes document: say so, never drop it.
      const line = file.lineCounter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
      const missing = typeof apiVersion !== 'string' ? 'apiVersion' : 'kind';
      rendered.problems.push({
        path: file.path,
        line,
        message: `document ${index} has ${missing === 'kind' ? 'apiVersion' : 'kind'} but no string ${missing}`,
      });
      continue;
    }
    const line = file.lineCounter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
    rendered.objects.push({ path: file.path, index, line, apiVersion, kind, object });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
