/**
 * One sync: render, apply stage by stage (dry run first, write only on a difference), wait for
 * CRDs, then prune what left Git. The Syncer wraps this with drift watching and events.
 */
import { describeRef, type KubeObject } from '../kube/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import { type ApplyOutcome, applyObject } from './apply-object.ts';
import { ensureTargetNamespace } from './create-namespace.ts';
import { diffObjects } from './diff.ts';
import { describeFailure } from './errors.ts';
import { computeHealth } from './health.ts';
import { type ApplyPlan, planApply } from './ignore-rules.ts';
import { findHpaTargets, listLive, scopeOf, waitEstablished } from './live-objects.ts';
import { groupByStage } from './order.ts';
import { pruneRemoved } from './prune-removed.ts';
import { renderObjects } from './render.ts';
import type { ManagedObject, RunState, SyncContext } from './sync-context.ts';
import type {
  DesiredObject,
  HealthVerdict,
  InventoryEntry,
  ObjectAction,
  ObjectResult,
  SyncErrorCode,
  SyncRequest,
  SyncResult,
} from './types.ts';
import { proveUnchanged } from './unchanged-proof.ts';
import { VerifiedStates } from './verified-states.ts';

export type { ManagedObject, SyncContext } from './sync-context.ts';

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
  rendered.problems.push(...(request.problems ?? []));
  if (rendered.objects.length === 0 && previous.length > 0) {
    const first = rendered.problems[0];
    const why = first ? ` (${first.path}:${first.line}: ${first.message})` : '';
    const message = `the render is empty${why}; refusing to prune every object of the previous sync`;
    const result = refused(ctx, started, previous, 'EmptyRender', message);
    result.problems = rendered.problems;
    return result;
  }
  const state: RunState = { results: [], health: [], writes: 0 };
  if (request.createNamespace && request.targetNamespace) {
    const created = await ensureTargetNamespace(
      ctx,
      request.targetNamespace,
      rendered.objects,
      ctx.ownerLabelValue,
    );
    if (created) state.results.push(created);
    if (created?.action === 'created') state.writes++;
  }
  const hpaTargets = await findHpaTargets(ctx, rendered.objects);
  const managed = new Map<string, ManagedObject>(
    rendered.objects.map((desired) => [
      desired.id,
      { desired, plan: planApply(desired, ctx.ignore, hpaTargets) },
    ]),
  );
  const live = await listLive(ctx, rendered.objects);
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
      const cached = live !== undefined && ctx.verified.isCurrent(desired.id, live, key);
      // Not verified lately (a restart, past the TTL): the live object may still prove itself.
      const skip = cached || (live !== undefined && provenUnchanged(ctx, object, live, plan));
      const applied: ApplyOutcome = skip
        ? { action: 'unchanged', before: live, after: live, writes: 0, tookOverFrom: [] }
        : await applyObject(
            { api: ctx.api, fieldManager: ctx.fieldManager, now: ctx.now, sleep: ctx.sleep },
            { desired, body: plan.body, release: plan.release, live },
          );
      if (!cached) ctx.verified.remember(desired.id, applied.after, key);
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

/** True when the live object proves an apply would change nothing; says why not at debug level. */
function provenUnchanged(ctx: SyncContext, object: string, live: KubeObject, plan: ApplyPlan): boolean {
  const proof = proveUnchanged({
    live,
    body: plan.body,
    release: plan.release,
    fieldManager: ctx.fieldManager,
  });
  if (!proof.proven) ctx.logger.debug({ object, reason: proof.reason }, 'not proven unchanged: dry run');
  return proof.proven;
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
