// Render: the manifest files of a GitSync path become the objects a sync applies — parsed (large
// files in a worker), `List`s expanded, kustomize config skipped, each object validated, its kind
// resolved (discovery, or a CRD in the same render), namespaced, labelled as ours; every problem is
// reported with file and line, and a render with problems prunes nothing (run-sync decides).
import type { ResourceInfo } from '../kube/types.ts';
import { isRecord, type KubeObject, splitApiVersion } from '../kube/types.ts';
import {
  type ManifestFile,
  type Problem,
  resolveAnnotations,
  type toKubeObjects,
} from '../manifests/index.ts';
import { kindsOfCrds } from './crd-kinds.ts';
import { ignoreMode, OWNER_LABEL, RECREATE_ANNOTATION, stringAnnotations } from './ownership.ts';
import { parseManifestObjects } from './parse-in-worker.ts';
import type { DesiredObject, InventoryEntry } from './types.ts';

/** Looks up a kind: discovery, or a CRD rendered in the same sync. */
export type KindResolver = (apiVersion: string, kind: string) => Promise<ResourceInfo | undefined>;

/** Options of `renderObjects`. */
export interface RenderOptions {
  /** Namespace for namespaced objects without one; without it such objects fail to render. */
  targetNamespace?: string | undefined;
  /**
   * The only namespace namespaced objects may be in (`--no-cross-namespace-refs`): with
   * `targetNamespace` set, that namespace replaces every object's own, as in Flux; without it,
   * objects that name none land in it, and an object in another namespace is refused (reason
   * `CrossNamespace`) and stays in the inventory so that it is not pruned. Default: any namespace.
   */
  confineTo?: string | undefined;
  /** Value of the `tagpilot.io/managed-by` label set on every object. */
  ownerLabelValue: string;
  resolveKind: KindResolver;
  /**
   * Parsed files by path, reused while a file's content is unchanged (YAML parsing dominates the
   * cost of a re-sync). Default: no cache.
   */
  cache?: ParseCache | undefined;
}

/** Parsed documents of each file, keyed by path; an entry is used only while the content is the same. */
export type ParseCache = Map<string, { content: string; parsed: ParsedObjects }>;

type ParsedObjects = ReturnType<typeof toKubeObjects>;

/** An object that was found but cannot be applied (unknown kind, no name, no namespace). */
export interface RenderFailure {
  /** Best-effort inventory entry, so a previously applied object is not pruned over a typo. */
  entry: InventoryEntry | undefined;
  object: string;
  reason: string;
  message: string;
}

/** Everything a sync applies, plus what could not be used. */
export interface RenderResult {
  objects: DesiredObject[];
  failures: RenderFailure[];
  /** Objects annotated `ignore: "true"`: neither applied nor pruned. */
  ignored: InventoryEntry[];
  /** Files and documents that do not parse. */
  problems: Problem[];
}

/** Metadata that describes a stored object, not a desired state; exported manifests carry it. */
const SERVER_METADATA = [
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'managedFields',
  'selfLink',
];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Renders manifest files into the objects to apply: documents without apiVersion/kind and
 * objects annotated `ignore: "true"` are left out, namespaced objects without a namespace get
 * `targetNamespace`, and every object gets the ownership label.
 */
export async function renderObjects(
  files: readonly ManifestFile[],
  options: RenderOptions,
): Promise<RenderResult> {
  const rendered = withoutKustomizeConfig(expandLists(await parseFiles(files, options.cache)));
  const result: RenderResult = { objects: [], failures: [], ignored: [], problems: [...rendered.problems] };
  const crdKinds = kindsOfCrds(rendered.objects.map((o) => o.object));
  const resolve: KindResolver = async (apiVersion, kind) =>
    crdKinds.get(`${apiVersion}/${kind}`) ?? (await options.resolveKind(apiVersion, kind));
  const seen = new Set<string>();
  for (const source of rendered.objects) {
    const outcome = await renderOne(source.object, resolve, options);
    const where = { path: source.path, index: source.index };
    if (outcome.type === 'refused') {
      // Not a problem of the render (it would hold back every prune): the object is refused alone.
      result.failures.push(outcome.failure);
      continue;
    }
    if (outcome.type === 'failure') {
      result.failures.push(outcome.failure);
      result.problems.push({
        path: source.path,
        line: source.line,
        message: `${outcome.failure.object}: ${outcome.failure.message}`,
      });
      continue;
    }
    if (outcome.type === 'ignored') {
      result.ignored.push(outcome.entry);
      continue;
    }
    const desired: DesiredObject = { ...outcome.desired, source: where };
    if (seen.has(desired.id)) {
      result.problems.push({
        path: source.path,
        line: source.line,
        message: `${desired.id} is defined twice; the first definition is used`,
      });
      continue;
    }
    seen.add(desired.id);
    result.objects.push(desired);
  }
  return result;
}

/**
 * `kustomize.config.k8s.io` documents (a `kustomization.yaml`, a `Component`) configure a build;
 * they are not cluster objects, so they are neither applied nor failed (which would hold back
 * every prune). The plain manifests beside them are applied as they are.
 */
function withoutKustomizeConfig(parsed: ParsedObjects): ParsedObjects {
  const objects = parsed.objects.filter((o) => !o.apiVersion.startsWith('kustomize.config.k8s.io/'));
  return objects.length === parsed.objects.length ? parsed : { objects, problems: parsed.problems };
}

/** `kind: List` documents (what `kubectl get -o yaml` prints) stand for their items, as in kubectl. */
function expandLists(parsed: ParsedObjects): ParsedObjects {
  if (!parsed.objects.some(isList)) return parsed;
  const objects: ParsedObjects['objects'] = [];
  for (const source of parsed.objects) {
    if (!isList(source)) {
      objects.push(source);
      continue;
    }
    for (const item of source.object.items as unknown[]) {
      if (!isRecord(item) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') continue;
      objects.push({ ...source, apiVersion: item.apiVersion, kind: item.kind, object: item });
    }
  }
  return { objects, problems: parsed.problems };
}

function isList(source: ParsedObjects['objects'][number]): boolean {
  return source.apiVersion === 'v1' && source.kind === 'List' && Array.isArray(source.object.items);
}

/** Parses each file (or takes it from the cache); the cache keeps only the files given. */
async function parseFiles(
  files: readonly ManifestFile[],
  cache: ParseCache | undefined,
): Promise<ParsedObjects> {
  const all: ParsedObjects = { objects: [], problems: [] };
  const paths = new Set<string>();
  for (const file of files) {
    paths.add(file.path);
    const cached = cache?.get(file.path);
    let parsed = cached?.content === file.content ? cached.parsed : undefined;
    if (!parsed) {
      parsed = await parseManifestObjects(file);
      cache?.set(file.path, { content: file.content, parsed });
    }
    all.objects.push(...parsed.objects);
    all.problems.push(...parsed.problems);
  }
  for (const path of cache?.keys() ?? []) if (!paths.has(path)) cache?.delete(path);
  return all;
}

type RenderOutcome =
  | { type: 'object'; desired: Omit<DesiredObject, 'source'> }
  | { type: 'ignored'; entry: InventoryEntry }
  | { type: 'failure'; failure: RenderFailure }
  | { type: 'refused'; failure: RenderFailure };

async function renderOne(
  raw: Record<string, unknown>,
  resolve: KindResolver,
  options: RenderOptions,
): Promise<RenderOutcome> {
  const object = structuredClone(raw) as KubeObject;
  const { apiVersion, kind } = object;
  if (!isRecord(object.metadata)) object.metadata = {};
  const metadata = object.metadata;
  const name = metadata.name;
  const label = `${kind} ${typeof metadata.namespace === 'string' ? `${metadata.namespace}/` : ''}${String(name ?? '<unnamed>')}`;
  const invalid = invalidName('name', name) ?? invalidName('namespace', metadata.namespace);
  if (invalid || typeof name !== 'string') {
    const message = invalid ?? 'metadata.name is missing';
    return { type: 'failure', failure: { entry: undefined, object: label, reason: 'Invalid', message } };
  }
  const info = await resolve(apiVersion, kind);
  const explicitNamespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  if (!info) {
    const entry = inventoryEntry(apiVersion, kind, name, explicitNamespace ?? options.targetNamespace ?? '');
    const message = `the API server does not serve kind ${kind} in ${apiVersion}`;
    return { type: 'failure', failure: { entry, object: label, reason: 'UnknownKind', message } };
  }
  const overridden = options.confineTo !== undefined && options.targetNamespace !== undefined;
  const namespace = info.namespaced
    ? overridden
      ? options.targetNamespace
      : (explicitNamespace ?? options.targetNamespace ?? options.confineTo)
    : undefined;
  if (
    info.namespaced &&
    namespace !== undefined &&
    options.confineTo !== undefined &&
    namespace !== options.confineTo
  ) {
    const entry = inventoryEntry(apiVersion, kind, name, namespace);
    const message = `refused: namespace ${namespace} is not the GitSync's namespace ${options.confineTo} (--no-cross-namespace-refs)`;
    return { type: 'refused', failure: { entry, object: label, reason: 'CrossNamespace', message } };
  }
  if (info.namespaced && namespace === undefined) {
    const message = 'namespaced object without a namespace, and the GitSync has no targetNamespace';
    return { type: 'failure', failure: { entry: undefined, object: label, reason: 'NoNamespace', message } };
  }
  const entry = inventoryEntry(apiVersion, kind, name, namespace ?? '');
  const mode = ignoreMode(object);
  if (mode === 'true') return { type: 'ignored', entry };
  if (namespace === undefined) delete metadata.namespace;
  else metadata.namespace = namespace;
  for (const field of SERVER_METADATA) delete metadata[field];
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) delete metadata.annotations[LAST_APPLIED];
  metadata.labels = {
    ...(isRecord(metadata.labels) ? metadata.labels : {}),
    [OWNER_LABEL]: options.ownerLabelValue,
  };
  const recreate = resolveAnnotations(stringAnnotations(object)).get(
    RECREATE_ANNOTATION.slice('tagpilot.io/'.length),
  );
  return {
    type: 'object',
    desired: {
      id: entry.id,
      entry,
      info,
      object,
      syncOnly: mode === 'sync_only',
      recreate: recreate?.trim() === 'true',
      namespaceDefaulted: info.namespaced && (explicitNamespace === undefined || overridden),
    },
  };
}

/** Why a name or namespace cannot be used, or undefined when it can (an absent namespace can). */
function invalidName(field: 'name' | 'namespace', value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return undefined;
  if (value === undefined || value === null || value === '') {
    return field === 'name' ? 'metadata.name is missing' : undefined;
  }
  return `metadata.${field} is the ${typeof value} ${JSON.stringify(value)}, not a string (quote it: YAML 1.1 reads y/n/yes/no/on/off as booleans)`;
}

/** Builds an inventory entry; its id is `<namespace>_<name>_<group>_<kind>`. */
export function inventoryEntry(
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string,
): InventoryEntry {
  const { group, version } = splitApiVersion(apiVersion);
  return { id: `${namespace}_${name}_${group}_${kind}`, namespace, name, group, kind, version };
}
