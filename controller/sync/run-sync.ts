/**
 * One sync: render, apply stage by stage (dry run first, write only on a difference), wait for
 * CRDs, then prune what left Git. The Syncer wraps this with drift watching and events.
 */
import type { Logger } from 'pino';
import type { KubeApi } from '../kube/api.ts';
import type { Discovery } from '../kube/discovery.ts';
import { isKubeError } from '../kube/errors.ts';
import { describeRef, isRecord, type KubeObject, type ResourceInfo } from '../kube/types.ts';
import type { KeyedMutex } from '../util/keyed-mutex.ts';
import { mapLimit } from '../util/map-limit.ts';
import { type ApplyOutcome, applyObject } from './apply-object.ts';
import { diffObjects } from './diff.ts';
import { describeFailure } from './errors.ts';
import { computeHealth } from './health.ts';
import { type ApplyPlan, hpaTargetsOf, planApply, SCALABLE_KINDS } from './ignore-rules.ts';
import { groupByStage } from './order.ts';
import { OWNER_LABEL } from './ownership.ts';
import { pruneObjects } from './prune.ts';
import { type ParseCache, type RenderResult, renderObjects } from './render.ts';
import type {
  DesiredObject,
  HealthVerdict,
  IgnoreRule,
  InventoryEntry,
  ObjectAction,
  ObjectResult,
  SyncErrorCode,
  SyncRequest,
  SyncResult,
} from './types.ts';
import { VerifiedStates } from './verified-states.ts';

/** A rendered object with the body and releases it is applied with. */
export interface ManagedObject {
  desired: DesiredObject;
  plan: ApplyPlan;
}

/** What a sync run needs. */
export interface SyncContext {
  api: KubeApi;
  discovery: Discovery;
  logger: Logger;
  fieldManager: string;
  ownerLabelValue: string;
  concurrency: number;
  ignore: readonly IgnoreRule[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How long to wait for a CRD to become Established. */
  crdTimeoutMs: number;
  mutex: KeyedMutex;
  /** Called with every object tagpilot wrote (to recognise its own watch events). */
  recordWrite: (id: string, object: KubeObject) => void;
  /** Called with the new desired state after applying, before pruning. */
  publishDesired: (managed: Map<string, ManagedObject>) => Promise<void>;
  /**
   * Installs one object's new desired state the moment it is applied (under its mutex), so a drift
   * revert that runs before the whole sync ends never writes the previous commit's state back.
   */
  publishOne: (id: string, managed: ManagedObject) => void;
  /** Objects known to match their body at a resourceVersion: their dry run is skipped. */
  verified: VerifiedStates;
  /** Parsed manifest files, reused while unchanged. */
  parseCache: ParseCache;
}

/** Runs one sync. */
export async function runSync(ctx: SyncContext, request: SyncRequest): Promise<SyncResult> {
  const started = ctx.now();
  const previous = request.previousInventory ?? [];
  if (request.files === undefined) {
    return refused(ctx, started, previous, 'PathMissing', 'the sync path does not exist in the repository');
  }
  const rendered = await renderObjects(request.files, {
    targetNamespace: request.targetNamespace,
    confineTo: request.confineTo,
    ownerLabelValue: ctx.ownerLabelValue,
    resolveKind: (apiVersion, kind) => ctx.discovery.find(apiVersion, kind),
    cache: ctx.parseCache,
  });
  if (rendered.objects.length === 0 && previous.length > 0) {
    const message = 'the render is empty; refusing to prune every object of the previous sync';
    const result = refused(ctx, started, previous, 'EmptyRender', message);
    result.problems = rendered.problems;
    return result;
  }
  const hpaTargets = await findHpaTargets(ctx, rendered.objects);
  const managed = new Map<string, ManagedObject>(
    rendered.objects.map((desired) => [
      desired.id,
      { desired, plan: planApply(desired, ctx.ignore, hpaTargets) },
    ]),
  );
  const live = await listLive(ctx, rendered.objects);
  const state: RunState = { results: [], health: [], writes: 0 };
  for (const stage of groupByStage(rendered.objects, (d) => d.entry)) {
    const outcomes = await mapLimit(stage, ctx.concurrency, (d) => {
      const unlisted = live.failures.get(scopeOf(d));
      return unlisted ? listFailed(ctx, d, unlisted) : syncOne(ctx, managed, d, live.objects.get(d.id));
    });
    for (const outcome of outcomes) {
      state.results.push(outcome.result);
      if (outcome.health) state.health.push(outcome.health);
      state.writes += outcome.writes;
    }
    const crds = stage.filter((d, i) => d.entry.kind === 'CustomResourceDefinition' && outcomes[i]?.after);
    const established = await waitEstablished(
      ctx,
      crds,
      outcomes.map((o) => o.after).filter((a) => a !== undefined),
    );
    for (const object of established) {
      const verdict = state.health.find(
        (h) => h.object === `CustomResourceDefinition ${object.metadata.name}`,
      );
      if (verdict) Object.assign(verdict, computeHealth(object));
    }
  }
  for (const failure of rendered.failures) {
    state.results.push({
      id: failure.entry?.id ?? '',
      object: failure.object,
      action: 'failed',
      reason: failure.reason,
      message: failure.message,
    });
  }
  // A kind that could not be listed cannot be watched either: no drift watch for its objects.
  for (const desired of rendered.objects) if (live.failures.has(scopeOf(desired))) managed.delete(desired.id);
  ctx.verified.retain(new Set(managed.keys()));
  await ctx.publishDesired(managed);
  const inventory = inventoryOf(
    rendered.objects,
    rendered.failures.map((f) => f.entry),
  );
  const pruneHeld = await pruneRemoved(ctx, request, rendered, inventory, state);
  return {
    inventory,
    objects: state.results,
    problems: rendered.problems,
    ...(pruneHeld ? { pruneHeld } : {}),
    health: state.health,
    counts: countActions(state.results),
    writes: state.writes,
    durationMs: ctx.now() - started,
  };
}

interface RunState {
  results: ObjectResult[];
  health: HealthVerdict[];
  writes: number;
}

interface OneOutcome {
  result: ObjectResult;
  health?: HealthVerdict;
  after?: KubeObject;
  writes: number;
}

async function syncOne(
  ctx: SyncContext,
  managed: Map<string, ManagedObject>,
  desired: DesiredObject,
  live: KubeObject | undefined,
): Promise<OneOutcome> {
  const plan = managed.get(desired.id)?.plan ?? { body: desired.object, release: [] };
  const object = describeRef(desired.entry);
  try {
    const key = VerifiedStates.keyOf(plan);
    const outcome = await ctx.mutex.run(desired.id, async () => {
      const skip = live !== undefined && ctx.verified.isCurrent(desired.id, live, key);
      const applied: ApplyOutcome = skip
        ? { action: 'unchanged', before: live, after: live, writes: 0, tookOverFrom: [] }
        : await applyObject(
            { api: ctx.api, fieldManager: ctx.fieldManager, now: ctx.now, sleep: ctx.sleep },
            { desired, body: plan.body, release: plan.release, live },
          );
      if (!skip) ctx.verified.remember(desired.id, applied.after, key);
      // Both before the mutex is released: a revert waiting on it must see this write as ours
      // and this commit's desired state.
      if (applied.writes > 0) ctx.recordWrite(desired.id, applied.after);
      const next = managed.get(desired.id);
      if (next) ctx.publishOne(desired.id, next);
      return applied;
    });
    const result: ObjectResult = { id: desired.id, object, action: outcome.action };
    if (outcome.action === 'configured' && outcome.before)
      result.changes = diffObjects(outcome.before, outcome.after).map(stripAt);
    if (outcome.tookOverFrom.length > 0) result.tookOverFrom = outcome.tookOverFrom;
    // Not in the labelled list, yet not created: it existed without our label, and is now ours.
    if (live === undefined && outcome.action !== 'created')
      result.adoptedFrom = previousManagers(outcome, ctx.fieldManager);
    const health = {
      id: desired.id,
      object,
      ...computeHealth(outcome.after),
      generation: outcome.after.metadata.generation,
    };
    return { result, health, after: outcome.after, writes: outcome.writes };
  } catch (error) {
    const failure = describeFailure(error, desired.entry.kind === 'Secret');
    ctx.logger.warn({ object, reason: failure.reason, err: failure.message }, 'apply failed');
    return { result: { id: desired.id, object, action: 'failed', ...failure }, writes: 0 };
  }
}

/** The field managers an adopted object had, other than tagpilot (taken-over ones included). */
function previousManagers(outcome: ApplyOutcome, fieldManager: string): string[] {
  const entries = (outcome.before ?? outcome.after).metadata.managedFields ?? [];
  const managers = [...entries.map((e) => e.manager ?? ''), ...outcome.tookOverFrom];
  return [...new Set(managers.filter((m) => m !== '' && m !== fieldManager))];
}

function stripAt<T extends { at?: unknown }>(change: T): Omit<T, 'at'> {
  const { at: _at, ...rest } = change;
  return rest;
}

/** Labelled live objects by inventory id, and the kinds that could not be listed (with why). */
interface LiveObjects {
  objects: Map<string, KubeObject>;
  failures: Map<string, unknown>;
}

function kindKey(info: ResourceInfo): string {
  return `${info.group}/${info.version}/${info.resource}`;
}

/**
 * Every labelled object of the rendered kinds, by inventory id: one list per kind and namespace
 * (cluster-wide only for cluster-scoped kinds), so a GitSync whose ServiceAccount may list only its
 * own namespace can sync. A list that fails (RBAC, a broken aggregated API) fails only its own objects.
 */
async function listLive(ctx: SyncContext, objects: readonly DesiredObject[]): Promise<LiveObjects> {
  const scopes = new Map<string, { info: ResourceInfo; namespace: string | undefined }>();
  for (const { info, entry } of objects) {
    const namespace = info.namespaced ? entry.namespace || undefined : undefined;
    scopes.set(scopeKey(info, namespace), { info, namespace });
  }
  const result: LiveObjects = { objects: new Map(), failures: new Map() };
  const lists = await mapLimit([...scopes.values()], ctx.concurrency, async ({ info, namespace }) => {
    try {
      const labelSelector = `${OWNER_LABEL}=${ctx.ownerLabelValue}`;
      return { info, items: (await ctx.api.list(info, { labelSelector, namespace })).items };
    } catch (error) {
      // A kind whose CRD is applied in this very sync is not served yet: nothing of it exists.
      if (isKubeError(error, 'NotFound')) return { info, items: [] };
      result.failures.set(scopeKey(info, namespace), error);
      return { info, items: [] };
    }
  });
  for (const { info, items } of lists) {
    for (const item of items) {
      result.objects.set(
        `${item.metadata.namespace ?? ''}_${item.metadata.name}_${info.group}_${info.kind}`,
        item,
      );
    }
  }
  return result;
}

/** The list an object's live state comes from: its kind, in its namespace when namespaced. */
function scopeOf(desired: DesiredObject): string {
  return scopeKey(desired.info, desired.info.namespaced ? desired.entry.namespace || undefined : undefined);
}

function scopeKey(info: ResourceInfo, namespace: string | undefined): string {
  return `${kindKey(info)}@${namespace ?? ''}`;
}

/** The outcome of an object whose kind could not be listed: failed, nothing written. */
async function listFailed(ctx: SyncContext, desired: DesiredObject, error: unknown): Promise<OneOutcome> {
  const object = describeRef(desired.entry);
  const failure = describeFailure(error, desired.entry.kind === 'Secret');
  ctx.logger.warn({ object, reason: failure.reason, err: failure.message }, 'cannot list kind');
  return {
    result: {
      id: desired.id,
      object,
      action: 'failed',
      ...failure,
      message: `cannot list: ${failure.message}`,
    },
    writes: 0,
  };
}

/** The workloads that HPAs scale: those in Git, and the live ones in the rendered workloads' namespaces. */
async function findHpaTargets(ctx: SyncContext, objects: readonly DesiredObject[]): Promise<Set<string>> {
  const workloads = objects.filter((d) => SCALABLE_KINDS.has(d.entry.kind));
  if (workloads.length === 0) return new Set();
  const rendered = objects.filter((d) => d.entry.kind === 'HorizontalPodAutoscaler').map((d) => d.object);
  const info =
    (await ctx.discovery.find('autoscaling/v2', 'HorizontalPodAutoscaler')) ??
    (await ctx.discovery.find('autoscaling/v1', 'HorizontalPodAutoscaler'));
  if (!info) return hpaTargetsOf(rendered);
  const namespaces = [...new Set(workloads.map((d) => d.entry.namespace).filter((ns) => ns !== ''))];
  const lists = await mapLimit(namespaces, ctx.concurrency, async (namespace) => {
    try {
      return (await ctx.api.list(info, { namespace })).items;
    } catch (error) {
      // Without the live HPAs, only those in Git are known: replicas of other targets are applied.
      const message = describeFailure(error, false).message;
      ctx.logger.warn({ err: message, namespace }, 'cannot list HorizontalPodAutoscalers');
      return [];
    }
  });
  return hpaTargetsOf([...lists.flat(), ...rendered]);
}

/** Waits until the CRDs just applied are Established, then forgets their group/versions. */
async function waitEstablished(
  ctx: SyncContext,
  crds: readonly DesiredObject[],
  afters: readonly KubeObject[],
): Promise<KubeObject[]> {
  const established = await mapLimit(crds, ctx.concurrency, async (crd) => {
    const deadline = ctx.now() + ctx.crdTimeoutMs;
    let current = afters.find((a) => a.metadata.name === crd.entry.name);
    while (!current || computeHealth(current).status !== 'Current') {
      if (ctx.now() > deadline) {
        ctx.logger.warn({ crd: crd.entry.name }, 'CRD not established in time');
        break;
      }
      await ctx.sleep(50);
      current = await ctx.api.get(crd.info, undefined, crd.entry.name);
    }
    const spec = isRecord(crd.object.spec) ? crd.object.spec : {};
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
    for (const version of versions) ctx.discovery.forget(`${String(spec.group)}/${String(version.name)}`);
    return current;
  });
  return established.filter((o) => o !== undefined);
}

function inventoryOf(
  objects: readonly DesiredObject[],
  failed: readonly (InventoryEntry | undefined)[],
): InventoryEntry[] {
  const entries = objects.map((d) => d.entry);
  const ids = new Set(entries.map((e) => e.id));
  for (const entry of failed) {
    if (entry && !ids.has(entry.id)) {
      ids.add(entry.id);
      entries.push(entry);
    }
  }
  return entries;
}

/**
 * Prunes what Git removed, and nothing else (promise 1 of DESIGN.md): when the render had any
 * problem (a file that does not parse, a document over a cap, an object that failed to render),
 * an object missing from it may still be in Git, so nothing is pruned and every previous entry
 * stays in the inventory. An object whose id changed only because `targetNamespace` changed is
 * left in place too. Returns why pruning was held back, if it was.
 */
async function pruneRemoved(
  ctx: SyncContext,
  request: SyncRequest,
  rendered: RenderResult,
  inventory: InventoryEntry[],
  state: RunState,
): Promise<string | undefined> {
  if (request.prune === false) return undefined;
  const previous = request.previousInventory ?? [];
  const current = new Set([...inventory.map((e) => e.id), ...rendered.ignored.map((e) => e.id)]);
  const gone = previous.filter((entry) => !current.has(entry.id));
  if (gone.length === 0) return undefined;
  if (rendered.problems.length > 0) {
    inventory.push(...gone);
    const first = rendered.problems[0];
    const where = first ? ` (first: ${first.path}:${first.line})` : '';
    return `nothing pruned: the render had ${rendered.problems.length} problem(s)${where}, so ${gone.length} object(s) missing from it may still be in Git`;
  }
  const moved = gone.filter((entry) => movedByTargetNamespace(entry, rendered.objects));
  for (const entry of moved) {
    state.results.push({
      id: entry.id,
      object: describeRef(entry),
      action: 'skipped',
      reason: 'NamespaceChanged',
      message: `not pruned: its manifest is still in Git and now applies to namespace ${request.targetNamespace}; delete the old object by hand if it is no longer wanted`,
    });
  }
  const pruned = await pruneObjects(
    {
      api: ctx.api,
      discovery: ctx.discovery,
      ownerLabelValue: ctx.ownerLabelValue,
      concurrency: ctx.concurrency,
    },
    gone.filter((entry) => !moved.includes(entry)),
  );
  state.results.push(...pruned.results);
  state.writes += pruned.writes;
  inventory.push(...pruned.kept);
  return undefined;
}

/** The manifest is still rendered, with the same kind and name, in the (changed) target namespace. */
function movedByTargetNamespace(entry: InventoryEntry, objects: readonly DesiredObject[]): boolean {
  return objects.some(
    (d) =>
      d.namespaceDefaulted &&
      d.entry.group === entry.group &&
      d.entry.kind === entry.kind &&
      d.entry.name === entry.name &&
      d.entry.namespace !== entry.namespace,
  );
}

function refused(
  ctx: SyncContext,
  started: number,
  previous: readonly InventoryEntry[],
  code: SyncErrorCode,
  message: string,
): SyncResult {
  return {
    error: { code, message },
    inventory: [...previous],
    objects: [],
    problems: [],
    health: [],
    counts: countActions([]),
    writes: 0,
    durationMs: ctx.now() - started,
  };
}

/** How many objects each action took. */
export function countActions(results: readonly ObjectResult[]): Record<ObjectAction, number> {
  const counts: Record<ObjectAction, number> = {
    created: 0,
    configured: 0,
    recreated: 0,
    unchanged: 0,
    pruned: 0,
    skipped: 0,
    failed: 0,
  };
  for (const result of results) counts[result.action]++;
  return counts;
}
