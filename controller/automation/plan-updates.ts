// The decision half of the image update loop: for every automated container and every setter
// marker in the repository, which image should it run? Scans registries through the one scan
// pipeline (scan-image.ts), and returns the updates for controller/manifests to apply plus
// one decision per container or marker, with the reason, for status, events and the CLI.
import type { ImageUpdate, Marker, Workload, WorkloadRef } from '../manifests/index.ts';
import { splitImageReference } from '../manifests/index.ts';
import { policyFromAnnotations } from '../policy/index.ts';
import { mapLimit } from '../util/map-limit.ts';
import type { ImageScanner } from './image-scanner.ts';
import { memoizeScanner } from './image-scanner.ts';
import { lookupPolicy, type PolicyState } from './policy-states.ts';
import { scanImage } from './scan-image.ts';

export type { PolicyState } from './policy-states.ts';

/** Why a container or marker is, or is not, updated. */
export type DecisionOutcome =
  | 'Update'
  | 'UpToDate'
  /** The current image stays although it could not be ranked (vanished from the registry, unknown build time). */
  | 'Kept'
  | 'Locked'
  | 'NoFilter'
  | 'InvalidPolicy'
  | 'ScanFailed'
  | 'NoMatchingTag'
  | 'PolicyNotFound'
  | 'PolicyNotReady'
  /** The ImagePolicy is in another namespace than the object naming it (`--no-cross-namespace-refs`). */
  | 'CrossNamespaceRef';

/** The outcome for one container or one marker. */
export interface Decision {
  path: string;
  workload?: WorkloadRef;
  container?: string;
  marker?: { namespace: string; name: string };
  /** The image as written now. */
  current: string;
  outcome: DecisionOutcome;
  /** One sentence for people. */
  message: string;
  /** The image to write, when outcome is Update. */
  next?: string;
}

/** Updates to apply and the decisions behind them. */
export interface UpdatePlan {
  updates: ImageUpdate[];
  decisions: Decision[];
  /** Workloads annotated automated (locked ones included). */
  automatedWorkloads: number;
}

/** Input of planImageUpdates. */
export interface PlanInput {
  workloads: readonly Workload[];
  markers: readonly Marker[];
  /** ImagePolicies by `<namespace>/<name>`. */
  policies: ReadonlyMap<string, PolicyState>;
  scanner: ImageScanner;
  /**
   * With `--no-cross-namespace-refs`: the namespace of the object at `path`/`index` (a workload,
   * or the document holding a marker; `written` is the namespace written on a workload), which an
   * ImagePolicy it names must be in. Default: any namespace may be referenced.
   */
  referrerNamespace?:
    | ((at: { path: string; index: number; written: string | undefined }) => string)
    | undefined;
  /** Containers scanned at once (default 8); registries have their own per-host limits too. */
  concurrency?: number;
}

/** Decides the image of every automated container and every setter marker. */
export async function planImageUpdates(input: PlanInput): Promise<UpdatePlan> {
  const scanner = memoizeScanner(input.scanner);
  const automated = input.workloads.filter((workload) => workload.automated);
  const containers = automated.flatMap((workload) =>
    workload.containers.map((container) => ({ workload, name: container.name })),
  );
  const containerResults = await mapLimit(containers, input.concurrency ?? 8, ({ workload, name }) =>
    decideContainer(workload, name, input.policies, scanner, input.referrerNamespace),
  );
  const markerResults = decideMarkers(input.markers, input.policies, input.referrerNamespace);
  const results = [...containerResults, ...markerResults];
  const updates = results.flatMap((result) => (result.update ? [result.update] : []));
  return {
    updates: dedupeMarkerUpdates(updates),
    decisions: results.map((result) => result.decision),
    automatedWorkloads: automated.length,
  };
}

interface Result {
  decision: Decision;
  update?: ImageUpdate;
}

async function decideContainer(
  workload: Workload,
  containerName: string,
  policies: ReadonlyMap<string, PolicyState>,
  scanner: ImageScanner,
  referrerNamespace: PlanInput['referrerNamespace'],
): Promise<Result> {
  const container = workload.containers.find((c) => c.name === containerName);
  if (!container) throw new Error(`container ${containerName} vanished`);
  const ref: WorkloadRef = { kind: workload.kind, namespace: workload.namespace, name: workload.name };
  const base = { path: workload.path, workload: ref, container: container.name, current: container.image };
  const decision = (outcome: DecisionOutcome, message: string, next?: string): Decision => ({
    ...base,
    outcome,
    message,
    ...(next ? { next } : {}),
  });
  if (workload.locked) {
    const why = workload.lockedMessage ? `: ${workload.lockedMessage}` : '';
    return { decision: decision('Locked', `workload is locked${why}`) };
  }
  const current = splitImageReference(container.image);
  const target = {
    type: 'container' as const,
    path: workload.path,
    workload: ref,
    container: container.name,
  };

  if (container.policyRef) {
    const policyNamespace = container.policyRef.namespace ?? workload.namespace ?? 'default';
    const key = `${policyNamespace}/${container.policyRef.name}`;
    const home = referrerNamespace?.({
      path: workload.path,
      index: workload.index,
      written: workload.namespace,
    });
    if (home !== undefined && home !== policyNamespace)
      return { decision: decision('CrossNamespaceRef', crossNamespaceMessage(key, home)) };
    const found = lookupPolicy(policies, key);
    if (!found.ok) return { decision: decision(found.outcome, found.message) };
    return compare(decision, target, container.image, found.image, `from ImagePolicy ${key}`);
  }

  if (container.filter === undefined) {
    return { decision: decision('NoFilter', 'no tag filter for this container; it is never updated') };
  }
  const policy = policyFromAnnotations({
    filter: container.filter,
    sort: container.sort,
    referrerTags: container.referrerTags,
  });
  if (!policy.ok) return { decision: decision('InvalidPolicy', policy.error.message) };
  const scan = await scanImage({
    scanner,
    repository: current.name,
    policy: policy.value,
    current: current.tag,
    withDigest: container.digest,
  });
  if (!scan.ok) return { decision: decision('ScanFailed', scan.message) };
  const choice = scan.result;
  if (choice.tag === undefined) return { decision: decision('NoMatchingTag', choice.message) };
  if (choice.reason === 'CurrentUnknown') {
    const gone = scan.currentVanished ? `the registry no longer lists "${current.tag}"; ` : '';
    return { decision: decision('Kept', `${gone}${choice.message}`) };
  }
  if (!choice.update && !container.digest) return { decision: decision('UpToDate', choice.message) };
  if (container.digest && scan.digest === undefined) {
    return {
      decision: decision('Kept', `the registry no longer lists "${choice.tag}"; its digest is unknown`),
    };
  }
  const image = { repo: current.name, tag: choice.tag, ...(scan.digest ? { digest: scan.digest } : {}) };
  return compare(decision, target, container.image, image, choice.message);
}

function compare(
  decision: (outcome: DecisionOutcome, message: string, next?: string) => Decision,
  target: ImageUpdate['target'],
  currentImage: string,
  image: ImageUpdate['image'],
  why: string,
): Result {
  const next = `${image.repo}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
  if (next === currentImage) return { decision: decision('UpToDate', `${currentImage} is current (${why})`) };
  return {
    decision: decision('Update', `${currentImage} -> ${next} (${why})`, next),
    update: { target, image },
  };
}

function decideMarkers(
  markers: readonly Marker[],
  policies: ReadonlyMap<string, PolicyState>,
  referrerNamespace: PlanInput['referrerNamespace'],
): Result[] {
  return markers.map((marker) => {
    const key = `${marker.policy.namespace}/${marker.policy.name}`;
    const base = { path: marker.path, marker: marker.policy, current: marker.value };
    const home = referrerNamespace?.({ path: marker.path, index: marker.index, written: undefined });
    if (home !== undefined && home !== marker.policy.namespace) {
      return {
        decision: { ...base, outcome: 'CrossNamespaceRef', message: crossNamespaceMessage(key, home) },
      };
    }
    const found = lookupPolicy(policies, key);
    if (!found.ok) return { decision: { ...base, outcome: found.outcome, message: found.message } };
    const { image } = found;
    const update: ImageUpdate = { target: { type: 'marker', policy: marker.policy }, image };
    const next = markerFieldValue(marker, image);
    if (next === marker.value) {
      return {
        decision: {
          ...base,
          outcome: 'UpToDate',
          message: `${marker.value} is current (ImagePolicy ${key})`,
        },
      };
    }
    const message = `${marker.value} -> ${next} (ImagePolicy ${key})`;
    return { decision: { ...base, outcome: 'Update', message, next }, update };
  });
}

function markerFieldValue(marker: Marker, image: ImageUpdate['image']): string {
  switch (marker.field) {
    case 'tag':
      return image.tag;
    case 'name':
      return image.repo;
    case 'digest':
      return image.digest ?? marker.value;
    default:
      return `${image.repo}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
  }
}

/** A marker update names every marker of its policy, so one per policy is enough. */
function dedupeMarkerUpdates(updates: ImageUpdate[]): ImageUpdate[] {
  const seen = new Set<string>();
  return updates.filter((update) => {
    if (update.target.type !== 'marker') return true;
    const key = `${update.target.policy.namespace}/${update.target.policy.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function crossNamespaceMessage(key: string, home: string): string {
  return `refused: ImagePolicy ${key} is not in namespace ${home} (--no-cross-namespace-refs)`;
}
