// What the GitSync reconciler remembers about one GitSync between reconciles, and the pure rules
// on it: when a sync or automation run is due, when to come back, the retry backoff, and the
// Ready / DriftDetected conditions. State that must survive a failover is taken from status
// (inventory, synced commit, drift time), so a new leader starts where the last one stopped.
import type { ConditionUpdate } from '../api/conditions.ts';
import { type GitSync, RECONCILE_AT_ANNOTATION } from '../api/types.ts';
import { parseDuration } from '../config.ts';
import type { HeadCommit } from '../git/index.ts';
import { type Impersonation, serviceAccountIdentity } from '../kube/impersonation.ts';
import type { InventoryEntry } from '../sync/types.ts';
import { retryDelayMs } from '../util/backoff.ts';
import type { SourceRepository, SyncEngine } from './ports.ts';

/** Longest wait before re-syncing a commit whose objects failed. */
const MAX_RETRY_DELAY_MS = 10_000;

/** The in-memory state of one GitSync. */
export interface GitSyncState {
  url: string;
  branch: string;
  /** `spec.sync.ignore`, `revertDrift` and the identity the engine was made with; a change makes a new engine. */
  engineSpec: string;
  /** Digest of the credentials the repository was opened with: new credentials open it anew. */
  authDigest?: string;
  repo: SourceRepository;
  engine: SyncEngine;
  syncedCommit?: string | undefined;
  /** Commit and generation of the last sync attempt, whatever its outcome. */
  attempted?: { commit: string; generation: number | undefined };
  /** When to sync the same commit again after a failure (objects failed, refused, error). */
  retryAt?: number | undefined;
  /** Consecutive failed sync attempts (the retry backoff). */
  failedAttempts: number;
  /** The `reconcile-at` annotation value already acted on. */
  reconcileAt?: string | undefined;
  /** Synced and Healthy of the last sync, carried into every status write until the next one. */
  syncConditions: ConditionUpdate[];
  /** When the last sync that applied its commit finished (the start of a `wait`). */
  syncedAt?: number | undefined;
  /** The inventory of the last sync that was not refused (authoritative over a stale status). */
  inventory?: InventoryEntry[];
  lastFullSync: number;
  lastAutomation: number;
  automationRequested: boolean;
  reportedProblems: string;
  /** The last pull-request note said (a failure, or a pull request left open), so it is said once. */
  reportedPullRequest?: string | undefined;
  /** The same per branch, with a per-image branch template (`{{policy}}`). */
  reportedBranchPullRequests?: Map<string, string>;
  drift?: ConditionUpdate;
  /** When the last drift revert was reported (after a failover: when status says drift began). */
  driftAt?: number | undefined;
  fight?: ConditionUpdate;
  /** Why the signing key asked for cannot sign: automation is stopped and Ready says why. */
  signingProblem?: string | undefined;
}

/** The intervals of a GitSync's spec, with their defaults. */
export interface GitSyncIntervals {
  /** `spec.interval`, default 1m. */
  git: number;
  /** `spec.sync.interval`, default 10m. */
  fullSync: number;
  /** `spec.automation.interval`, default 5m. */
  automation: number;
  /** `spec.automation.enabled`, default true. */
  automationOn: boolean;
  /** `spec.sync.wait`: Ready waits for Healthy. Default false. */
  wait: boolean;
  /** `spec.sync.timeout`, default 5m: how long Ready waits for Healthy. */
  waitTimeout: number;
}

/** The intervals of `gitsync`; an unparsable duration falls back to its default. */
export function intervalsOf(gitsync: GitSync): GitSyncIntervals {
  const automation = gitsync.spec.automation;
  return {
    git: duration(gitsync.spec.interval, 60_000),
    fullSync: duration(gitsync.spec.sync?.interval, 600_000),
    automation: duration(automation?.interval, 300_000),
    automationOn: automation?.enabled ?? true,
    wait: gitsync.spec.sync?.wait ?? false,
    waitTimeout: duration(gitsync.spec.sync?.timeout, 300_000),
  };
}

/** With `--no-cross-namespace-refs`, the one namespace the GitSync may reach: targetNamespace, else its own. */
export function confinementOf(
  gitsync: GitSync,
  noCrossNamespaceRefs: boolean | undefined,
): string | undefined {
  if (!noCrossNamespaceRefs) return undefined;
  return gitsync.spec.targetNamespace ?? gitsync.metadata.namespace ?? 'default';
}

/** The ServiceAccount a GitSync acts as: its own, else the default one, else none (the controller). */
export function identityOf(
  gitsync: GitSync,
  defaultServiceAccount: string | undefined,
): Impersonation | undefined {
  const account = gitsync.spec.serviceAccountName ?? defaultServiceAccount;
  return account ? serviceAccountIdentity(gitsync.metadata.namespace ?? 'default', account) : undefined;
}

/** A new commit or spec, a new `reconcile-at` request, a due retry or the full re-sync interval. */
export function syncDue(
  gitsync: GitSync,
  state: GitSyncState,
  head: HeadCommit,
  now: number,
  fullSyncInterval: number,
): boolean {
  const reconcileAt = gitsync.metadata.annotations?.[RECONCILE_AT_ANNOTATION];
  const requested = reconcileAt !== undefined && reconcileAt !== state.reconcileAt;
  state.reconcileAt = reconcileAt;
  const attempted = state.attempted;
  const changed =
    attempted === undefined ||
    attempted.commit !== head.oid ||
    attempted.generation !== gitsync.metadata.generation;
  const retryDue = state.retryAt !== undefined && now >= state.retryAt;
  return changed || requested || retryDue || now - state.lastFullSync >= fullSyncInterval;
}

/** Automation runs when it is on and requested or its interval has passed. */
export function automationDue(state: GitSyncState, intervals: GitSyncIntervals, now: number): boolean {
  if (!intervals.automationOn) return false;
  return state.automationRequested || now - state.lastAutomation >= intervals.automation;
}

/** The soonest of: the Git poll, a pending retry, the next automation run (at least 1 s). */
export function nextReconcileIn(state: GitSyncState, intervals: GitSyncIntervals, now: number): number {
  let next = intervals.git;
  if (state.retryAt !== undefined) next = Math.min(next, Math.max(0, state.retryAt - now));
  const untilAutomation = state.lastAutomation + intervals.automation - now;
  if (intervals.automationOn && untilAutomation > 0) next = Math.min(next, untilAutomation);
  const waiting = waitDeadline(state, intervals);
  if (waiting !== undefined && waiting > now) next = Math.min(next, waiting - now);
  return Math.max(1000, next);
}

/**
 * Objects failed: sync the same commit again after a backoff of 2 s doubling, capped at 10 s (or
 * the poll interval when shorter), so a namespace or RBAC rule added by hand takes effect within
 * seconds. A retry of an unchanged commit is cheap: verified objects skip even their dry run.
 */
export function retryAfterFailure(state: GitSyncState, gitInterval: number, now: number): void {
  const maxMs = Math.min(gitInterval, MAX_RETRY_DELAY_MS);
  const delay = retryDelayMs(state.failedAttempts, { baseMs: 2_000, maxMs });
  state.failedAttempts++;
  state.retryAt = now + delay;
}

/** With `wait`, while Healthy is not settled: when Ready gives up waiting. */
function waitDeadline(state: GitSyncState, intervals: GitSyncIntervals): number | undefined {
  if (!intervals.wait || state.syncedAt === undefined) return undefined;
  const healthy = state.syncConditions.find((c) => c.type === 'Healthy');
  return healthy?.status === 'Unknown' && healthy.reason === 'Progressing'
    ? state.syncedAt + intervals.waitTimeout
    : undefined;
}

/**
 * Ready follows the last sync: False whenever Synced is False. With `spec.sync.wait` it also waits
 * for Healthy: Unknown while objects roll out, False when one failed or the timeout passed.
 */
export function readyCondition(
  state: GitSyncState,
  wait?: { intervals: GitSyncIntervals; now: number },
): ConditionUpdate {
  const synced = state.syncConditions.find((c) => c.type === 'Synced');
  if (synced && synced.status !== 'True')
    return { type: 'Ready', status: 'False', reason: synced.reason, message: synced.message };
  if (!synced) return { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'not synced yet' };
  const healthy = state.syncConditions.find((c) => c.type === 'Healthy');
  if (wait?.intervals.wait && healthy && healthy.status !== 'True' && healthy.reason !== 'NothingApplied') {
    const timeout = Math.round(wait.intervals.waitTimeout / 1000);
    if (healthy.status === 'False')
      return { type: 'Ready', status: 'False', reason: 'HealthCheckFailed', message: healthy.message };
    const deadline = waitDeadline(state, wait.intervals);
    if (deadline !== undefined && wait.now >= deadline)
      return {
        type: 'Ready',
        status: 'False',
        reason: 'HealthCheckFailed',
        message: `not healthy ${timeout}s after the sync (spec.sync.timeout): ${healthy.message}`,
      };
    return {
      type: 'Ready',
      status: 'Unknown',
      reason: 'Progressing',
      message: `synced commit ${state.syncedCommit?.slice(0, 7)}; waiting up to ${timeout}s for: ${healthy.message}`,
    };
  }
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Succeeded',
    message: `synced commit ${state.syncedCommit?.slice(0, 7)}`,
  };
}

/**
 * DriftDetected and DriftFight as they stand; DriftDetected turns False once no drift was reverted
 * for a full re-sync interval. After a failover the time of the last drift is unknown: the
 * condition's lastTransitionTime in status stands in for it.
 */
export function driftConditions(
  gitsync: GitSync,
  state: GitSyncState,
  now: number,
  fullSyncInterval: number,
): ConditionUpdate[] {
  const driftAt = state.driftAt ?? driftSinceInStatus(gitsync);
  if (driftAt !== undefined && now - driftAt >= fullSyncInterval && driftIsTrue(gitsync, state)) {
    state.drift = {
      type: 'DriftDetected',
      status: 'False',
      reason: 'NoRecentDrift',
      message: `no drift reverted in the last ${Math.round(fullSyncInterval / 1000)}s`,
    };
  }
  return [state.drift, state.fight].filter((condition) => condition !== undefined);
}

function driftIsTrue(gitsync: GitSync, state: GitSyncState): boolean {
  if (state.drift) return state.drift.status === 'True';
  return gitsync.status?.conditions?.find((c) => c.type === 'DriftDetected')?.status === 'True';
}

function driftSinceInStatus(gitsync: GitSync): number | undefined {
  const condition = gitsync.status?.conditions?.find((c) => c.type === 'DriftDetected');
  if (condition?.status !== 'True') return undefined;
  const at = Date.parse(condition.lastTransitionTime);
  return Number.isNaN(at) ? undefined : at;
}

function duration(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  try {
    return parseDuration(value);
  } catch {
    return fallback;
  }
}
