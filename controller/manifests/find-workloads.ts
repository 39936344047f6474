import { type Document, isScalar } from 'yaml';
import { containerSettings, resolveAnnotations, workloadSettings } from './automation-annotations.ts';
import type { Container, ManifestSet, ParsedFile, PullSecretRefs, Workload } from './types.ts';
import {
  isFlowCollection,
  mapEntries,
  mapGet,
  mapPath,
  type Reached,
  scalarSite,
  scalarString,
  scalarText,
  seqItems,
} from './yaml-nodes.ts';

/** Path from the object root to the pod spec, per workload kind. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

/** API groups whose kinds above are the built-in workloads (a CRD named `Job` elsewhere is not). */
const WORKLOAD_GROUPS = new Set(['', 'apps', 'extensions', 'batch']);

/** The pod spec path for a workload kind, or undefined when the kind is not a workload. */
export function podSpecPath(apiVersion: string, kind: string): readonly string[] | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  if (!WORKLOAD_GROUPS.has(group)) return undefined;
  return Object.hasOwn(POD_SPEC_PATHS, kind) ? POD_SPEC_PATHS[kind] : undefined;
}

/** Every workload in every parsed document, in file and document order. */
export function findWorkloads(set: ManifestSet): Workload[] {
  return set.files.flatMap(findWorkloadsInFile);
}

/**
 * Every workload in one parsed file: top-level objects, and the items of `apiVersion: v1, kind:
 * List` documents (what `kubectl get -o yaml` prints), which the sync applies item by item.
 */
export function findWorkloadsInFile(file: ParsedFile): Workload[] {
  const workloads: Workload[] = [];
  for (const { index, doc } of file.documents) {
    const root: Reached = { node: doc.contents, shared: false };
    const items = listItems(doc, root);
    const objects = items === undefined ? [{ node: root }] : items.map((node, item) => ({ node, item }));
    for (const object of objects) {
      const workload = readWorkload(file, { index, doc, ...object });
      if (workload !== undefined) workloads.push(workload);
    }
  }
  return workloads;
}

/** The items of a `v1` `List` document, or undefined when the document is not one. */
function listItems(doc: Document, root: Reached): Reached[] | undefined {
  if (scalarString(mapGet(doc, root, 'apiVersion')) !== 'v1') return undefined;
  if (scalarString(mapGet(doc, root, 'kind')) !== 'List') return undefined;
  const items = mapGet(doc, root, 'items');
  return items === undefined ? undefined : seqItems(doc, items);
}

/** One object to read: the document, and the object's node (the root, or an item of a List). */
interface ObjectAt {
  index: number;
  doc: Document.Parsed;
  node: Reached;
  /** Position in the List's `items`; undefined for a top-level object. */
  item?: number;
}

function readWorkload(file: ParsedFile, at: ObjectAt): Workload | undefined {
  const { index, doc, node: root } = at;
  const apiVersion = scalarString(mapGet(doc, root, 'apiVersion'));
  const kind = scalarString(mapGet(doc, root, 'kind'));
  if (apiVersion === undefined || kind === undefined) return undefined;
  const specPath = podSpecPath(apiVersion, kind);
  if (specPath === undefined) return undefined;
  const metadata = mapGet(doc, root, 'metadata');
  const name = metadata && scalarString(mapGet(doc, metadata, 'name'));
  if (metadata === undefined || name === undefined) return undefined;
  const namespace = scalarString(mapGet(doc, metadata, 'namespace'));
  const annotations = readAnnotations(doc, mapGet(doc, metadata, 'annotations'));
  const resolved = resolveAnnotations(annotations);
  const podSpec = mapPath(doc, root, specPath);
  const containers = podSpec === undefined ? [] : readContainers(file, doc, podSpec, resolved, namespace);
  return {
    apiVersion,
    kind,
    namespace,
    name,
    path: file.path,
    index,
    ...(at.item === undefined ? {} : { item: at.item }),
    ...workloadSettings(resolved),
    annotations,
    containers,
    pullSecrets: readPullSecretRefs(doc, podSpec),
  };
}

function readPullSecretRefs(doc: Document, podSpec: Reached | undefined): PullSecretRefs {
  const secretNames: string[] = [];
  const list = podSpec && mapGet(doc, podSpec, 'imagePullSecrets');
  for (const item of list === undefined ? [] : seqItems(doc, list)) {
    const name = scalarString(mapGet(doc, item, 'name'));
    if (name) secretNames.push(name);
  }
  const named =
    (podSpec && scalarString(mapGet(doc, podSpec, 'serviceAccountName'))) ||
    (podSpec && scalarString(mapGet(doc, podSpec, 'serviceAccount')));
  return named
    ? { secretNames, serviceAccountName: named }
    : { secretNames, implicitServiceAccountName: 'default' };
}

function readAnnotations(doc: Document, annotations: Reached | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (annotations === undefined) return record;
  for (const [key, value] of mapEntries(doc, annotations)) {
    const text = scalarText(value.node);
    if (text !== undefined) record[key] = text;
  }
  return record;
}

function readContainers(
  file: ParsedFile,
  doc: Document,
  podSpec: Reached,
  resolved: Map<string, string>,
  namespace: string | undefined,
): Container[] {
  const containers: Container[] = [];
  for (const [field, init] of [
    ['containers', false],
    ['initContainers', true],
  ] as const) {
    const list = mapGet(doc, podSpec, field);
    if (list === undefined) continue;
    for (const item of seqItems(doc, list)) {
      const container = readContainer(file, doc, item, init);
      if (container === undefined) continue;
      containers.push({ ...container, ...containerSettings(resolved, container.name, namespace) });
    }
  }
  return containers;
}

function readContainer(
  file: ParsedFile,
  doc: Document,
  item: Reached,
  init: boolean,
): Pick<Container, 'name' | 'init' | 'image' | 'site'> | undefined {
  const name = scalarString(mapGet(doc, item, 'name'));
  const image = mapGet(doc, item, 'image');
  if (name === undefined || image === undefined || !isScalar(image.node)) return undefined;
  const text = scalarText(image.node);
  const site = scalarSite(file, image.node, image.shared, isFlowCollection(item.node));
  if (text === undefined || site === undefined) return undefined;
  return { name, init, image: text, site };
}
