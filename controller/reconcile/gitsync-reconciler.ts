// Reconciles one GitSync: fetch the branch, sync the path when the commit (or spec) changed or a
// full re-sync is due, run image automation when its interval is due (or an ImagePolicy moved),
// sync the automated commit at once, and write status, conditions and Events.

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ConditionUpdate } from '../api/conditions.ts';
import { syncBranch, syncPath } from '../api/defaults.ts';
import {
  type AdoptedObject,
  type GitSync,
  type GitSyncStatus,
  type ImagePolicy,
  RECONCILE_AT_ANNOTATION,
} from '../api/types.ts';
import { parseDuration } from '../config.ts';
import {
  GitError,
  type HeadCommit,
  openRepository,
  ReadLimitError,
  type ReadLimits,
  type Repository,
} from '../git/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { type Impersonation, serviceAccountIdentity } from '../kube/impersonation.ts';
import { createManifestCache, type ManifestCache, type ManifestFile } from '../manifests/index.ts';
import type { Metrics } from '../metrics.ts';
import type { InventoryEntry, SyncResult } from '../sync/types.ts';
import { retryDelayMs } from '../util/backoff.ts';
import { readGitAuth } from './git-credentials.ts';
import { runAutomation } from './gitsync-automation.ts';
import {
  fromStatusInventory,
  healthyCondition,
  syncedCondition,
  toStatusInventory,
} from './gitsync-status.ts';
import { GitSyncStatusWriter } from './gitsync-status-writer.ts';
import type { EventSink, ScannerFactory, SyncEngine, SyncEngineFactory } from './ports.ts';
import { describeSkippedUpdates } from './skipped-updates.ts';
import type { ReconcileOutcome } from './work-queue.ts';

/** Longest wait before re-syncing a commit whose objects failed. */
const MAX_RETRY_DELAY_MS = 10_000;

type HttpClient = Parameters<typeof openRepository>[0]['http'];

/** What the GitSync reconciler needs. */
export interface GitSyncReconcilerOptions {
  /** The controller's own client: GitSync status and Events, and (impersonating) everything else. */
  client: KubeClient;
  http: HttpClient;
  /**
   * ServiceAccount (in the GitSync's namespace) a GitSync without `spec.serviceAccountName` acts as.
   * Default none: such a GitSync acts with the controller's own rights.
   */
  defaultServiceAccount?: string | undefined;
  /**
   * `--no-cross-namespace-refs`: each GitSync's objects, ImagePolicy references and pull secrets
   * stay in its namespace (or targetNamespace). Default false.
   */
  noCrossNamespaceRefs?: boolean | undefined;
  scanners: ScannerFactory;
  engines: SyncEngineFactory;
  events: EventSink;
  logger: Logger;
  metrics?: Metrics;
  /** Working copies live under `<cacheDir>/git/<namespace>/<name>`. */
  cacheDir: string;
  get: (namespace: string, name: string) => GitSync | undefined;
  policies: () => readonly ImagePolicy[];
  /** Caps on the manifests read from one GitSync's path. Default `DEFAULT_READ_LIMITS`. */
  readLimits?: ReadLimits;
  now?: () => Date;
}

interface State {
  url: string;
  branch: string;
  /** `spec.sync.ignore`, `revertDrift` and the identity the engine was made with; a change makes a new engine. */
  engineSpec: string;
  repo: Repository;
  engine: SyncEngine;
  syncedCommit?: string;
  /** Commit and generation of the last sync attempt, whatever its outcome. */
  attempted?: { commit: string; generation: number | undefined };
  /** When to sync the same commit again after a failure (objects failed, refused, error). */
  retryAt?: number;
  /** Consecutive failed sync attempts (the retry backoff). */
  failedAttempts: number;
  /** The `reconcile-at` annotation value already acted on. */
  reconcileAt?: string | undefined;
  /** Synced and Healthy of the last sync, carried into every status write until the next one. */
  syncConditions: ConditionUpdate[];
  /** The inventory of the last sync that was not refused (authoritative over a stale status). */
  inventory?: InventoryEntry[];
  lastFullSync: number;
  lastAutomation: number;
  /** Parsed manifests kept between automation runs (each file parsed once per content). */
  manifestCache: ManifestCache;
  automationRequested: boolean;
  reportedProblems: string;
  drift?: ConditionUpdate;
  /** When the last drift revert was reported. */
  driftAt?: number;
  fight?: ConditionUpdate;
}

/** Reconciles GitSyncs by `<namespace>/<name>` key. */
export class GitSyncReconciler {
  readonly #options: GitSyncReconcilerOptions;
  readonly #states = new Map<string, State>();
  readonly #status: GitSyncStatusWriter;
  readonly #now: () => Date;

  constructor(options: GitSyncReconcilerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#status = new GitSyncStatusWriter(options.client, this.#now);
  }

  /** Makes the next reconcile of `key` run automation even if its interval is not due. */
  requestAutomation(key: string): void {
    const state = this.#states.get(key);
    if (state) state.automationRequested = true;
  }

  /** Stops every drift watch (shutdown). */
  async stop(): Promise<void> {
    await Promise.all([...this.#states.values()].map((state) => state.engine.stop()));
    this.#states.clear();
  }

  /** Reconciles one key. */
  async reconcile(key: string): Promise<ReconcileOutcome | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const gitsync = this.#options.get(namespace, name);
    if (!gitsync || gitsync.metadata.deletionTimestamp) {
      await this.#forget(key);
      return undefined;
    }
    const log = this.#options.logger.child({ gitsync: key });
    if (gitsync.spec.suspend) {
      // Suspended means hands off: no sync, no automation and no drift reverts until resumed.
      await this.#stopEngine(key);
      await this.#status.write(gitsync, {}, [
        { type: 'Ready', status: 'False', reason: 'Suspended', message: 'spec.suspend is true' },
      ]);
      return undefined;
    }
    const gitInterval = duration(gitsync.spec.interval, 60_000);
    // Every Secret read, apply, prune and drift revert of this GitSync is made as its ServiceAccount.
    const identity = this.#identityOf(gitsync);
    const client = identity ? this.#options.client.impersonating(identity) : this.#options.client;
    const auth = await readGitAuth(client, namespace, gitsync.spec.secretRef?.name);
    if (!auth.ok) {
      await this.#fail(gitsync, 'AuthenticationFailed', auth.message);
      return { requeueAfterMs: gitInterval };
    }
    let state: State;
    let head: HeadCommit;
    try {
      state = await this.#stateFor(key, gitsync, auth.auth, identity);
      head = await state.repo.refresh();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: message }, 'fetch failed');
      await this.#fail(gitsync, error instanceof GitError ? 'FetchFailed' : 'GitError', message);
      return { requeueAfterMs: gitInterval };
    }

    const status: GitSyncStatus = {};
    const conditions: ConditionUpdate[] = [];
    const now = this.#now().getTime();
    const fullSyncInterval = duration(gitsync.spec.sync?.interval, 600_000);
    let result: SyncResult | undefined;
    if (this.#syncDue(gitsync, state, head, now, fullSyncInterval)) {
      result = await this.#sync(gitsync, state, head, status, log);
    }

    const automation = gitsync.spec.automation;
    const automationOn = automation?.enabled ?? true;
    const automationInterval = duration(automation?.interval, 300_000);
    const automationDue = state.automationRequested || now - state.lastAutomation >= automationInterval;
    if (automationOn && automationDue && result?.error === undefined) {
      state.automationRequested = false;
      state.lastAutomation = now;
      await this.#automate(gitsync, state, head, status, log, client);
    }

    conditions.push(...state.syncConditions, readyCondition(state));
    if (state.drift?.status === 'True' && now - (state.driftAt ?? now) >= fullSyncInterval) {
      state.drift = {
        type: 'DriftDetected',
        status: 'False',
        reason: 'NoRecentDrift',
        message: `no drift reverted in the last ${Math.round(fullSyncInterval / 1000)}s`,
      };
    }
    if (state.drift) conditions.push(state.drift);
    if (state.fight) conditions.push(state.fight);
    if (state.inventory && !sameInventory(gitsync, state.inventory))
      status.inventory = toStatusInventory(state.inventory);
    await this.#status.write(gitsync, status, conditions);
    return { requeueAfterMs: this.#nextReconcileIn(state, gitInterval, automationOn, automationInterval) };
  }

  /** A new commit or spec, a `reconcile-at` request, a due retry or the full re-sync interval. */
  #syncDue(gitsync: GitSync, state: State, head: HeadCommit, now: number, fullSyncInterval: number): boolean {
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

  /** The soonest of: the Git poll, a pending retry, the next automation run. */
  #nextReconcileIn(
    state: State,
    gitInterval: number,
    automationOn: boolean,
    automationInterval: number,
  ): number {
    const now = this.#now().getTime();
    let next = gitInterval;
    if (state.retryAt !== undefined) next = Math.min(next, Math.max(0, state.retryAt - now));
    const untilAutomation = state.lastAutomation + automationInterval - now;
    if (automationOn && untilAutomation > 0) next = Math.min(next, untilAutomation);
    return Math.max(1000, next);
  }

  async #sync(
    gitsync: GitSync,
    state: State,
    head: HeadCommit,
    status: GitSyncStatus,
    log: Logger,
  ): Promise<SyncResult | undefined> {
    const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
    const gitInterval = duration(gitsync.spec.interval, 60_000);
    state.attempted = { commit: head.oid, generation: gitsync.metadata.generation };
    state.lastFullSync = this.#now().getTime();
    const started = Date.now();
    let result: SyncResult;
    try {
      const files = await this.#readFiles(state.repo, gitsync.spec.path);
      result = await state.engine.sync({
        files,
        targetNamespace: gitsync.spec.targetNamespace,
        confineTo: this.#confinement(gitsync),
        previousInventory: state.inventory ?? fromStatusInventory(gitsync.status?.inventory),
        prune: gitsync.spec.sync?.prune ?? true,
      });
    } catch (error) {
      if (error instanceof ReadLimitError) return this.#refuseTooLarge(state, head, error, gitInterval, log);
      // Nothing is known about what was applied: keep the inventory, retry with backoff.
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: message, commit: head.oid }, 'sync failed');
      state.syncConditions = [
        {
          type: 'Synced',
          status: 'False',
          reason: 'SyncError',
          message: `commit ${head.oid.slice(0, 7)}: ${message}`,
        },
        { type: 'Healthy', status: 'Unknown', reason: 'SyncError', message: 'the last sync did not finish' },
      ];
      this.#scheduleRetry(state, gitInterval);
      return undefined;
    }
    this.#options.metrics?.syncSeconds.observe({ gitsync: key }, (Date.now() - started) / 1000);
    for (const [action, count] of Object.entries(result.counts)) {
      if (count > 0) this.#options.metrics?.objectsApplied.inc({ gitsync: key, action }, count);
    }
    state.syncConditions = [syncedCondition(result, head.oid), healthyCondition(result)];
    log.info(
      { commit: head.oid, counts: result.counts, writes: result.writes, ms: result.durationMs },
      'synced',
    );
    if (result.error) {
      // Refused (path missing, empty render): nothing changes until the next poll at the earliest.
      state.retryAt = this.#now().getTime() + gitInterval;
      return result;
    }
    state.inventory = result.inventory;
    status.inventory = toStatusInventory(result.inventory);
    const adopted = adoptedObjects(gitsync.status?.adopted, result);
    if (JSON.stringify(adopted) !== JSON.stringify(gitsync.status?.adopted ?? [])) status.adopted = adopted;
    status.lastSyncedCommit = head.oid;
    status.lastSyncTime = this.#now().toISOString();
    state.syncedCommit = head.oid;
    if (result.counts.failed > 0) this.#scheduleRetry(state, gitInterval);
    else {
      state.retryAt = undefined;
      state.failedAttempts = 0;
    }
    // The Syncer records the Synced / SyncFailed / ApplyFailed events on the GitSync itself.
    return result;
  }

  /**
   * The commit holds more (or larger) manifests than the read limits allow: nothing is read,
   * applied or pruned, and the same commit is not tried again before the next poll (it cannot pass).
   */
  #refuseTooLarge(
    state: State,
    head: HeadCommit,
    error: ReadLimitError,
    gitInterval: number,
    log: Logger,
  ): undefined {
    const message = `commit ${head.oid.slice(0, 7)}: ${error.message}; nothing applied, nothing pruned`;
    log.warn({ commit: head.oid, limit: error.limit, actual: error.actual, max: error.max }, 'sync refused');
    state.syncConditions = [
      { type: 'Synced', status: 'False', reason: error.code, message },
      { type: 'Healthy', status: 'Unknown', reason: error.code, message: 'the last sync was refused' },
    ];
    state.retryAt = this.#now().getTime() + gitInterval;
    return undefined;
  }

  /**
   * Objects failed: sync the same commit again after a backoff of 2 s doubling, capped at 10 s (or
   * the poll interval when shorter), so a namespace or RBAC rule added by hand takes effect within
   * seconds. A retry of an unchanged commit is cheap: verified objects skip even their dry run.
   */
  #scheduleRetry(state: State, gitInterval: number): void {
    const maxMs = Math.min(gitInterval, MAX_RETRY_DELAY_MS);
    const delay = retryDelayMs(state.failedAttempts, { baseMs: 2_000, maxMs });
    state.failedAttempts++;
    state.retryAt = this.#now().getTime() + delay;
  }

  async #automate(
    gitsync: GitSync,
    state: State,
    head: HeadCommit,
    status: GitSyncStatus,
    log: Logger,
    client: KubeClient,
  ): Promise<void> {
    const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
    try {
      const files = (await this.#readFiles(state.repo, gitsync.spec.path)) ?? [];
      const run = await runAutomation({
        gitsync,
        repo: state.repo,
        files,
        policies: this.#options.policies(),
        client,
        scanners: this.#options.scanners,
        manifestCache: state.manifestCache,
        confineTo: this.#confinement(gitsync),
      });
      status.automatedWorkloads = run.plan.automatedWorkloads;
      const problems = run.plan.decisions
        .filter((d) => !['Update', 'UpToDate', 'NoFilter'].includes(d.outcome))
        .map(
          (d) =>
            `${d.workload ? `${d.workload.kind} ${d.workload.namespace ? `${d.workload.namespace}/` : ''}${d.workload.name} container ${d.container}` : `marker ${d.marker?.namespace}:${d.marker?.name} in ${d.path}`}: ${d.outcome}: ${d.message}`,
        )
        .concat(run.credentialProblems)
        // Decided updates that could not be written (an alias, a block scalar): say so, never silence.
        .concat(describeSkippedUpdates(run.push?.unapplied ?? []));
      const signature = problems.join('\n');
      if (signature !== state.reportedProblems) {
        state.reportedProblems = signature;
        for (const problem of problems)
          await this.#event(gitsync, 'Warning', 'AutomationSkipped', 'Automate', problem);
      }
      if (!run.push?.pushed || !run.push.commit) return;
      log.info(
        { commit: run.push.commit, branch: run.push.branch, changes: run.push.changes.length },
        'pushed automated commit',
      );
      this.#options.metrics?.commits.inc({ gitsync: key });
      if (run.push.retries > 0) this.#options.metrics?.pushRetries.inc({ gitsync: key }, run.push.retries);
      status.lastAutomationCommit = run.push.commit;
      await this.#event(
        gitsync,
        'Normal',
        'AutomatedCommit',
        'Automate',
        `${run.push.commit.slice(0, 7)} ${run.push.message ?? ''}`.trim(),
      );
      if (run.push.branch !== state.branch) return;
      // Sync the automated commit now instead of waiting for the next poll.
      const next = await state.repo.refresh();
      await this.#sync(gitsync, state, next, status, log);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: message, commit: head.oid }, 'automation failed');
      await this.#event(gitsync, 'Warning', 'AutomationFailed', 'Automate', message);
    }
  }

  async #readFiles(repo: Repository, path: string | undefined): Promise<ManifestFile[] | undefined> {
    try {
      return (await repo.readFiles(syncPath({ path }))).files;
    } catch (error) {
      if (error instanceof GitError && error.code === 'PATH_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async #stateFor(
    key: string,
    gitsync: GitSync,
    auth: Parameters<typeof openRepository>[0]['auth'],
    identity: Impersonation | undefined,
  ): Promise<State> {
    const url = gitsync.spec.url;
    const branch = syncBranch(gitsync.spec);
    const ignore = (gitsync.spec.sync?.ignore ?? []).map((rule) => ({
      target: rule.target ?? {},
      paths: rule.paths,
    }));
    const revertDrift = gitsync.spec.sync?.revertDrift ?? true;
    const engineSpec = JSON.stringify({ ignore, revertDrift, user: identity?.user });
    const existing = this.#states.get(key);
    if (existing && existing.url === url && existing.branch === branch && existing.engineSpec === engineSpec)
      return existing;
    // A new repository, branch, ignore list or revertDrift takes effect now: a new engine, synced at once.
    if (existing) await existing.engine.stop();
    const [namespace = '', name = ''] = key.split('/');
    const repo = await openRepository({
      dir: join(this.#options.cacheDir, 'git', namespace, name),
      url,
      branch,
      ...(auth ? { auth } : {}),
      http: this.#options.http,
      ...(this.#options.readLimits ? { readLimits: this.#options.readLimits } : {}),
    });
    const owner = {
      apiVersion: gitsync.apiVersion,
      kind: gitsync.kind,
      namespace,
      name,
      uid: gitsync.metadata.uid,
    };
    const state: State = {
      url,
      branch,
      engineSpec,
      repo,
      engine: this.#options.engines({
        owner,
        ignore,
        revertDrift,
        impersonate: identity,
        handlers: {
          onDrift: (report) => {
            this.#options.metrics?.driftReverts.inc({
              kind: report.object.split(' ')[0] ?? '',
              manager: report.managers[0] ?? 'unknown',
            });
            state.drift = {
              type: 'DriftDetected',
              status: 'True',
              reason: 'DriftReverted',
              message: report.message,
            };
            state.driftAt = this.#now().getTime();
            void this.#patchConditions(key, [state.drift]);
          },
          onFight: (fight) => {
            this.#options.metrics?.driftFights.inc({ kind: fight.object.split(' ')[0] ?? '' });
            state.fight = {
              type: 'DriftFight',
              status: 'True',
              reason: 'RevertsBackedOff',
              message: fight.message,
            };
            void this.#patchConditions(key, [state.fight]);
          },
          onFightEnded: (ended) => {
            if (!state.fight) return;
            state.fight = {
              type: 'DriftFight',
              status: 'False',
              reason: 'Settled',
              message: `${ended.object} stayed as in Git`,
            };
            void this.#patchConditions(key, [state.fight]);
          },
          onFailure: (failure) => {
            void this.#event(
              gitsync,
              'Warning',
              'DriftRevertFailed',
              'RevertDrift',
              `${failure.object}: ${failure.message}`,
            );
          },
        },
      }),
      failedAttempts: 0,
      syncConditions: [],
      ...(existing?.inventory ? { inventory: existing.inventory } : {}),
      reconcileAt: existing?.reconcileAt,
      lastFullSync: 0,
      lastAutomation: existing?.lastAutomation ?? 0,
      manifestCache: existing?.manifestCache ?? createManifestCache(),
      automationRequested: false,
      reportedProblems: '',
    };
    this.#states.set(key, state);
    return state;
  }

  /** With `--no-cross-namespace-refs`, the one namespace the GitSync may reach: targetNamespace, else its own. */
  #confinement(gitsync: GitSync): string | undefined {
    if (!this.#options.noCrossNamespaceRefs) return undefined;
    return gitsync.spec.targetNamespace ?? gitsync.metadata.namespace ?? 'default';
  }

  /** The ServiceAccount a GitSync acts as: its own, else the default one, else none (the controller). */
  #identityOf(gitsync: GitSync): Impersonation | undefined {
    const account = gitsync.spec.serviceAccountName ?? this.#options.defaultServiceAccount;
    return account ? serviceAccountIdentity(gitsync.metadata.namespace ?? 'default', account) : undefined;
  }

  /** Stops the engine (drift watches) of a suspended GitSync; resuming makes a new one and syncs. */
  async #stopEngine(key: string): Promise<void> {
    const state = this.#states.get(key);
    this.#states.delete(key);
    await state?.engine.stop();
  }

  async #forget(key: string): Promise<void> {
    const state = this.#states.get(key);
    this.#states.delete(key);
    this.#status.forget(key);
    await state?.engine.stop();
  }

  async #fail(gitsync: GitSync, reason: string, message: string): Promise<void> {
    await this.#event(gitsync, 'Warning', reason, 'Fetch', message);
    await this.#status.write(gitsync, {}, [{ type: 'Ready', status: 'False', reason, message }]);
  }

  async #event(
    gitsync: GitSync,
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    note: string,
  ): Promise<void> {
    const { name, namespace, uid } = gitsync.metadata;
    await this.#options.events.record({
      regarding: {
        apiVersion: gitsync.apiVersion,
        kind: gitsync.kind,
        name,
        namespace: namespace ?? 'default',
        uid,
      },
      type,
      reason,
      action,
      note,
    });
  }

  async #patchConditions(key: string, updates: ConditionUpdate[]): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const gitsync = this.#options.get(namespace, name);
    if (!gitsync) return;
    await this.#status
      .write(gitsync, {}, updates)
      .catch((error: unknown) =>
        this.#options.logger.warn(
          { gitsync: key, err: (error as Error).message },
          'could not update conditions',
        ),
      );
  }
}

/** Ready follows the last sync: False whenever Synced is False. */
function readyCondition(state: State): ConditionUpdate {
  const synced = state.syncConditions.find((c) => c.type === 'Synced');
  if (synced && synced.status !== 'True')
    return { type: 'Ready', status: 'False', reason: synced.reason, message: synced.message };
  if (!synced) return { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'not synced yet' };
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Succeeded',
    message: `synced commit ${state.syncedCommit?.slice(0, 7)}`,
  };
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

/** True when the status inventory already holds exactly these entries. */
function sameInventory(gitsync: GitSync, inventory: readonly InventoryEntry[]): boolean {
  const stored = gitsync.status?.inventory ?? [];
  return (
    stored.length === inventory.length &&
    stored.every((entry, i) => entry.id === inventory[i]?.id && entry.v === inventory[i]?.version)
  );
}

function duration(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  try {
    return parseDuration(value);
  } catch {
    return fallback;
  }
}
