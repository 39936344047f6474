import { findMarkersInFile, MARKER_KEY } from './find-markers.ts';
import { findWorkloadsInFile } from './find-workloads.ts';
import { formatImageReference } from './image-reference.ts';
import { cachedParse, type ManifestCache } from './manifest-cache.ts';
import { parseManifestFile } from './read-manifests.ts';
import { renderScalar } from './scalar-style.ts';
import { applyTextEdits, type TextEdit } from './text-edits.ts';
import type {
  AppliedChange,
  ApplyResult,
  ContainerTarget,
  ImageUpdate,
  ManifestFile,
  Marker,
  MarkerField,
  MarkerTarget,
  ParsedFile,
  Problem,
  ScalarSite,
  UnappliedUpdate,
  Workload,
} from './types.ts';

/** Options of `applyImageUpdates`. */
export interface ApplyOptions {
  /** Reuse parses of unchanged files (the same cache as `readManifests`). Default: none. */
  cache?: ManifestCache;
}

/** One scalar an update wants to rewrite. */
interface Target {
  path: string;
  site: ScalarSite;
  current: string;
  /** Undefined when the update cannot supply the value (a `:digest` marker without a digest). */
  desired: string | undefined;
  change: Omit<AppliedChange, 'line' | 'oldImage' | 'newImage' | 'update'>;
}

/** What the files that had to be read contain. */
interface Index {
  workloads: Map<string, Workload[]>;
  markers: Marker[];
  problems: Problem[];
}

/**
 * Rewrites the image scalars named by `updates`, replacing exactly each scalar's source range in its
 * quote style; every other byte of every file stays as it was. Idempotent: a scalar that already
 * holds the new value is left alone and reported nowhere. A scalar reached through an alias or a
 * merge key (`image: *img`) is not edited but reported as SHARED_SCALAR, because its text is an
 * anchor other places share; a scalar that carries the anchor itself (`image: &img x`) is edited,
 * and its aliases follow.
 */
export function applyImageUpdates(
  files: readonly ManifestFile[],
  updates: readonly ImageUpdate[],
  options: ApplyOptions = {},
): ApplyResult {
  const index = indexFiles(files, updates, options.cache);
  const unapplied: UnappliedUpdate[] = [];
  const changes: AppliedChange[] = [];
  const plan: Plan = { claimed: new Map(), edits: new Map() };
  for (const update of updates) {
    const targets = findTargets(index, update);
    if (targets.length === 0) {
      unapplied.push({ update, code: 'NO_TARGET', reason: describeMissing(update) });
      continue;
    }
    for (const target of targets) {
      const outcome = planEdit(plan, target);
      if (outcome === 'unchanged') continue;
      if (outcome === 'planned') {
        changes.push({
          ...target.change,
          line: target.site.line,
          oldImage: target.current,
          newImage: target.desired ?? '',
          update,
        });
        continue;
      }
      unapplied.push({ update, ...outcome, path: target.path, line: target.site.line });
    }
  }
  const changed = files.flatMap((file) => {
    const edits = plan.edits.get(file.path);
    return edits === undefined ? [] : [{ path: file.path, content: applyTextEdits(file.content, edits) }];
  });
  return { files: changed, changes, unapplied, problems: index.problems };
}

type PlanOutcome = 'planned' | 'unchanged' | Pick<UnappliedUpdate, 'code' | 'reason'>;

/** Per file: scalar start offset -> the value claimed for it, and the edits to make. */
interface Plan {
  claimed: Map<string, Map<number, string>>;
  edits: Map<string, TextEdit[]>;
}

function planEdit(plan: Plan, target: Target): PlanOutcome {
  const { desired, site } = target;
  if (desired === undefined) {
    return { code: 'NO_DIGEST', reason: 'the marker writes a digest, but the update has none' };
  }
  if (site.shared && target.current !== desired) {
    return {
      code: 'SHARED_SCALAR',
      reason: `the image is an alias or merge of the anchor on line ${site.line}; edit the anchor instead`,
    };
  }
  const claimed = plan.claimed.get(target.path) ?? new Map<number, string>();
  plan.claimed.set(target.path, claimed);
  const earlier = claimed.get(site.range.start);
  if (earlier !== undefined) {
    if (earlier === desired) return 'unchanged';
    return { code: 'CONFLICT', reason: `another update already writes ${earlier} here (line ${site.line})` };
  }
  claimed.set(site.range.start, desired);
  if (target.current === desired) return 'unchanged';
  const rendered = renderScalar(desired, site);
  if (!rendered.ok) return { code: 'UNSUPPORTED_STYLE', reason: rendered.reason };
  const edits = plan.edits.get(target.path) ?? [];
  edits.push({ start: site.range.start, end: site.range.end, text: rendered.text });
  plan.edits.set(target.path, edits);
  return 'planned';
}

function indexFiles(
  files: readonly ManifestFile[],
  updates: readonly ImageUpdate[],
  cache?: ManifestCache,
): Index {
  const containerPaths = new Set<string>();
  let wantMarkers = false;
  for (const { target } of updates) {
    if (target.type === 'container') containerPaths.add(target.path);
    else wantMarkers = true;
  }
  const index: Index = { workloads: new Map(), markers: [], problems: [] };
  for (const file of files) {
    const markerFile = wantMarkers && file.content.includes(MARKER_KEY);
    if (!containerPaths.has(file.path) && !markerFile) continue;
    const { parsed, problems } = cachedParse(cache, file, parseManifestFile);
    index.problems.push(...problems);
    if (containerPaths.has(file.path)) index.workloads.set(file.path, findWorkloadsInFile(parsed));
    if (markerFile) addMarkers(index, parsed);
  }
  return index;
}

function addMarkers(index: Index, parsed: ParsedFile): void {
  const { markers, problems } = findMarkersInFile(parsed);
  index.markers.push(...markers);
  index.problems.push(...problems);
}

function findTargets(index: Index, update: ImageUpdate): Target[] {
  return update.target.type === 'container'
    ? containerTargets(index, update.target, update)
    : markerTargets(index, update.target, update);
}

function containerTargets(index: Index, target: ContainerTarget, update: ImageUpdate): Target[] {
  const { kind, namespace, name } = target.workload;
  const workloads = (index.workloads.get(target.path) ?? []).filter(
    (w) => w.kind === kind && w.name === name && w.namespace === namespace,
  );
  return workloads.flatMap((workload) =>
    workload.containers
      .filter((container) => container.name === target.container)
      .map((container) => ({
        path: workload.path,
        site: container.site,
        current: container.image,
        desired: formatImageReference(update.image),
        change: { path: workload.path, workload: { kind, namespace, name }, container: container.name },
      })),
  );
}

function markerTargets(index: Index, target: MarkerTarget, update: ImageUpdate): Target[] {
  const { namespace, name } = target.policy;
  return index.markers
    .filter((marker) => marker.policy.namespace === namespace && marker.policy.name === name)
    .map((marker) => ({
      path: marker.path,
      site: marker.site,
      current: marker.value,
      desired: markerValue(marker.field, update),
      change: { path: marker.path, marker: { namespace, name, field: marker.field } },
    }));
}

/** What a marker of each field writes. */
export function markerValue(field: MarkerField, update: ImageUpdate): string | undefined {
  switch (field) {
    case 'image':
      return formatImageReference(update.image);
    case 'tag':
      return update.image.tag;
    case 'name':
      return update.image.repo;
    case 'digest':
      return update.image.digest;
  }
}

function describeMissing(update: ImageUpdate): string {
  const target = update.target;
  if (target.type === 'marker') {
    return `no setter marker names policy ${target.policy.namespace}:${target.policy.name}`;
  }
  const { kind, namespace, name } = target.workload;
  const id = `${kind} ${namespace ?? '(no namespace)'}/${name}`;
  return `${target.path}: no container ${target.container} in ${id}`;
}
