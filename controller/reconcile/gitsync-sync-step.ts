// The sync step of a GitSync reconcile: read the manifests at the head commit, hand them to the
// sync engine, and return the status fields that changed; the Synced/Healthy conditions, the
// inventory and the retry schedule are kept in the GitSync's state for every later status write.
import type { Logger } from 'pino';
import { syncPaths } from '../api/defaults.ts';
import type { AdoptedObject, GitSync, GitSyncStatus } from '../api/types.ts';
import { type HeadCommit, ReadLimitError } from '../git/index.ts';
import type { Metrics } from '../metrics.ts';
import type { SyncResult } from '../sync/types.ts';
import { type GitSyncIntervals, type GitSyncState, retryAfterFailure } from './gitsync-state.ts';
import {
  fromStatusInventory,
  healthyCondition,
  syncedCondition,
  toStatusInventory,
} from './gitsync-status.ts';

/** What one sync did: the status fields to write and the engine's result (none when it threw or was refused). */
export interface SyncStep {
  status: GitSyncStatus;
  result: SyncResult | undefined;
}

/** What the sync step needs besides the GitSync and its state. */
export interface SyncStepContext {
  log: Logger;
  metrics?: Metrics | undefined;
  now: () => Date;
  intervals: GitSyncIntervals;
  /** With `--no-cross-namespace-refs`, the one namespace objects may be in. */
  confineTo: string | undefined;
}

/** Syncs `head`: applies what rendered, prunes what Git removed (unless anything went wrong). */
export async function syncStep(
  gitsync: GitSync,
  state: GitSyncState,
  head: HeadCommit,
  context: SyncStepContext,
): Promise<SyncStep> {
  const { log, now } = context;
  state.attempted = { commit: head.oid, generation: gitsync.metadata.generation };
  state.lastFullSync = now().getTime();
  const started = Date.now();
  let result: SyncResult;
  try {
    const read = await state.repo.renderFiles(syncPaths(gitsync.spec));
    result = await state.engine.sync({
      files: read?.files,
      problems: read?.problems,
      targetNamespace: gitsync.spec.targetNamespace,
      confineTo: context.confineTo,
      previousInventory: state.inventory ?? fromStatusInventory(gitsync.status?.inventory),
      prune: gitsync.spec.sync?.prune ?? true,
      createNamespace: gitsync.spec.sync?.createNamespace === true,
    });
  } catch (error) {
    if (error instanceof ReadLimitError) refuseTooLarge(state, head, error, context);
    else syncFailed(state, head, error, context);
    return { status: {}, result: undefined };
  }
  recordMetrics(gitsync, result, (Date.now() - started) / 1000, context.metrics);
  // The watches started by the sync may already have seen its rollouts finish: take their view.
  const health = state.engine.health?.() ?? result.health;
  state.syncConditions = [syncedCondition(result, head.oid), healthyCondition({ ...result, health })];
  state.syncedAt = now().getTime();
  log.info(
    { commit: head.oid, counts: result.counts, writes: result.writes, ms: result.durationMs },
    'synced',
  );
  if (result.error) {
    // Refused (path missing, empty render): nothing changes until the next poll at the earliest.
    state.retryAt = now().getTime() + context.intervals.git;
    return { status: {}, result };
  }
  state.inventory = result.inventory;
  state.syncedCommit = head.oid;
  if (result.counts.failed > 0) retryAfterFailure(state, context.intervals.git, now().getTime());
  else {
    state.retryAt = undefined;
    state.failedAttempts = 0;
  }
  // The Syncer records the Synced / SyncFailed / ApplyFailed events on the GitSync itself.
  return { status: syncedStatus(gitsync, result, head, now()), result };
}

/** The status fields of a sync that was not refused. */
function syncedStatus(gitsync: GitSync, result: SyncResult, head: HeadCommit, now: Date): GitSyncStatus {
  const status: GitSyncStatus = {
    inventory: toStatusInventory(result.inventory),
    lastSyncedCommit: head.oid,
    lastSyncTime: now.toISOString(),
  };
  const adopted = adoptedObjects(gitsync.status?.adopted, result);
  if (JSON.stringify(adopted) !== JSON.stringify(gitsync.status?.adopted ?? [])) status.adopted = adopted;
  return status;
}

/** Nothing is known about what was applied: keep the inventory, retry with backoff. */
function syncFailed(state: GitSyncState, head: HeadCommit, error: unknown, context: SyncStepContext): void {
  const message = error instanceof Error ? error.message : String(error);
  context.log.warn({ err: message, commit: head.oid }, 'sync failed');
  state.syncConditions = [
    {
      type: 'Synced',
      status: 'False',
      reason: 'SyncError',
      message: `commit ${head.oid.slice(0, 7)}: ${message}`,
    },
    { type: 'Healthy', status: 'Unknown', reason: 'SyncError', message: 'the last sync did not finish' },
  ];
  retryAfterFailure(state, context.intervals.git, context.now().getTime());
}

/**
 * The commit holds more (or larger) manifests than the read limits allow: nothing is read,
 * applied or pruned, and the same commit is not tried again before the next poll (it cannot pass).
 */
function refuseTooLarge(
  state: GitSyncState,
  head: HeadCommit,
  error: ReadLimitError,
  context: SyncStepContext,
): void {
  const message = `commit ${head.oid.slice(0, 7)}: ${error.message}; nothing applied, nothing pruned`;
  context.log.warn(
    { commit: head.oid, limit: error.limit, actual: error.actual, max: error.max },
    'sync refused',
  );
  state.syncConditions = [
    { type: 'Synced', status: 'False', reason: error.code, message },
    { type: 'Healthy', status: 'Unknown', reason: error.code, message: 'the last sync was refused' },
  ];
  state.retryAt = context.now().getTime() + context.intervals.git;
}

function recordMetrics(
  gitsync: GitSync,
  result: SyncResult,
  seconds: number,
  metrics: Metrics | undefined,
): void {
  if (!metrics) return;
  const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
  metrics.syncSeconds.observe({ gitsync: key }, seconds);
  for (const [action, count] of Object.entries(result.counts)) {
    if (count > 0) metrics.objectsApplied.inc({ gitsync: key, action }, count);
  }
}

/** The adopted objects of the status plus those this sync adopted, while they are in the inventory. */
function adoptedObjects(previous: readonly AdoptedObject[] | undefined, result: SyncResult): AdoptedObject[] {
  const byId = new Map((previous ?? []).map((entry) => [entry.id, entry]));
  for (const object of result.objects) {
    if (object.adoptedFrom)
      byId.set(object.id, { id: object.id, object: object.object, previousManagers: object.adoptedFrom });
  }
  const inventory = new Set(result.inventory.map((entry) => entry.id));
  return [...byId.values()].filter((entry) => inventory.has(entry.id));
}
