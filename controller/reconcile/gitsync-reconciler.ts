// Reconciles one GitSync: fetch the branch, sync the path when the commit (or spec) changed or a
// full re-sync is due, run image automation when its interval is due (or an ImagePolicy moved),
// sync the automated commit at once, and write status, conditions and Events.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ConditionUpdate } from '../api/conditions.ts';
import type { GitSync, GitSyncStatus, ImagePolicy } from '../api/types.ts';
import { parseDuration } from '../config.ts';
import { GitError, type HeadCommit, openRepository, type Repository } from '../git/index.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ManifestFile } from '../manifests/index.ts';
import type { Metrics } from '../metrics.ts';
import type { SyncResult } from '../sync/types.ts';
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

type HttpClient = Parameters<typeof openRepository>[0]['http'];

/** What the GitSync reconciler needs. */
export interface GitSyncReconcilerOptions {
  client: KubeClient;
  http: HttpClient;
  scanners: ScannerFactory;
  engines: SyncEngineFactory;
  events: EventSink;
  logger: Logger;
  metrics?: Metrics;
  /** Working copies live under `<cacheDir>/git/<namespace>/<name>`. */
  cacheDir: string;
  get: (namespace: string, name: string) => GitSync | undefined;
  policies: () => readonly ImagePolicy[];
  now?: () => Date;
}

interface State {
  url: string;
  branch: string;
  repo: Repository;
  engine: SyncEngine;
  syncedCommit?: string;
  syncedGeneration?: number;
  lastFullSync: number;
  lastAutomation: number;
  automationRequested: boolean;
  reportedProblems: string;
  drift?: ConditionUpdate;
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
      await this.#status.write(gitsync, {}, [
        { type: 'Ready', status: 'False', reason: 'Suspended', message: 'spec.suspend is true' },
      ]);
      return undefined;
    }
    const gitInterval = duration(gitsync.spec.interval, 60_000);
    const auth = await readGitAuth(this.#options.client, namespace, gitsync.spec.secretRef?.name);
    if (!auth.ok) {
      await this.#fail(gitsync, 'AuthenticationFailed', auth.message);
      return { requeueAfterMs: gitInterval };
    }
    let state: State;
    let head: HeadCommit;
    try {
      state = await this.#stateFor(key, gitsync, auth.auth);
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
    const fullSyncDue = now - state.lastFullSync >= duration(gitsync.spec.sync?.interval, 600_000);
    let result: SyncResult | undefined;
    if (
      head.oid !== state.syncedCommit ||
      gitsync.metadata.generation !== state.syncedGeneration ||
      fullSyncDue
    ) {
      result = await this.#sync(gitsync, state, head, status, conditions, log);
    }

    const automation = gitsync.spec.automation;
    const automationInterval = duration(automation?.interval, 300_000);
    const automationDue = state.automationRequested || now - state.lastAutomation >= automationInterval;
    if ((automation?.enabled ?? true) && automationDue && result?.error === undefined) {
      state.automationRequested = false;
      state.lastAutomation = now;
      await this.#automate(gitsync, state, head, status, conditions, log);
    }

    const ready = conditions.find((c) => c.type === 'Synced' && c.status === 'False');
    conditions.push(
      ready
        ? { type: 'Ready', status: 'False', reason: ready.reason, message: ready.message }
        : {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: `synced commit ${state.syncedCommit?.slice(0, 7)}`,
          },
    );
    if (state.drift) conditions.push(state.drift);
    if (state.fight) conditions.push(state.fight);
    await this.#status.write(gitsync, status, conditions);
    const untilAutomation = Math.max(1000, state.lastAutomation + automationInterval - this.#now().getTime());
    return { requeueAfterMs: Math.min(gitInterval, untilAutomation) };
  }

  async #sync(
    gitsync: GitSync,
    state: State,
    head: HeadCommit,
    status: GitSyncStatus,
    conditions: ConditionUpdate[],
    log: Logger,
  ): Promise<SyncResult> {
    const files = await this.#readFiles(state.repo, gitsync.spec.path);
    const started = Date.now();
    const result = await state.engine.sync({
      files,
      targetNamespace: gitsync.spec.targetNamespace,
      previousInventory: fromStatusInventory(gitsync.status?.inventory),
      prune: gitsync.spec.sync?.prune ?? true,
    });
    const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
    this.#options.metrics?.syncSeconds.observe({ gitsync: key }, (Date.now() - started) / 1000);
    for (const [action, count] of Object.entries(result.counts)) {
      if (count > 0) this.#options.metrics?.objectsApplied.inc({ gitsync: key, action }, count);
    }
    const synced = syncedCondition(result, head.oid);
    conditions.push(synced, healthyCondition(result));
    log.info(
      { commit: head.oid, counts: result.counts, writes: result.writes, ms: result.durationMs },
      'synced',
    );
    if (!result.error) {
      status.inventory = toStatusInventory(result.inventory);
      status.lastSyncedCommit = head.oid;
      status.lastSyncTime = this.#now().toISOString();
      state.syncedCommit = head.oid;
      state.syncedGeneration = gitsync.metadata.generation;
      state.lastFullSync = this.#now().getTime();
    }
    // The Syncer records the Synced / SyncFailed / ApplyFailed events on the GitSync itself.
    return result;
  }

  async #automate(
    gitsync: GitSync,
    state: State,
    head: HeadCommit,
    status: GitSyncStatus,
    conditions: ConditionUpdate[],
    log: Logger,
  ): Promise<void> {
    const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
    try {
      const files = (await this.#readFiles(state.repo, gitsync.spec.path)) ?? [];
      const run = await runAutomation({
        gitsync,
        repo: state.repo,
        files,
        policies: this.#options.policies(),
        client: this.#options.client,
        scanners: this.#options.scanners,
      });
      status.automatedWorkloads = run.plan.automatedWorkloads;
      const problems = run.plan.decisions
        .filter((d) => !['Update', 'UpToDate', 'NoFilter'].includes(d.outcome))
        .map(
          (d) =>
            `${d.workload ? `${d.workload.kind} ${d.workload.namespace ?? ''}/${d.workload.name} container ${d.container}` : `marker ${d.marker?.namespace}:${d.marker?.name} in ${d.path}`}: ${d.outcome}: ${d.message}`,
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
      const result = await this.#sync(gitsync, state, next, status, conditions.splice(0), log);
      conditions.push(syncedCondition(result, next.oid), healthyCondition(result));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: message, commit: head.oid }, 'automation failed');
      await this.#event(gitsync, 'Warning', 'AutomationFailed', 'Automate', message);
    }
  }

  async #readFiles(repo: Repository, path: string | undefined): Promise<ManifestFile[] | undefined> {
    try {
      return (await repo.readFiles(path ?? '.')).files;
    } catch (error) {
      if (error instanceof GitError && error.code === 'PATH_NOT_FOUND') return undefined;
      throw error;
    }
  }

  async #stateFor(
    key: string,
    gitsync: GitSync,
    auth: Parameters<typeof openRepository>[0]['auth'],
  ): Promise<State> {
    const url = gitsync.spec.url;
    const branch = gitsync.spec.branch ?? 'main';
    const existing = this.#states.get(key);
    if (existing && existing.url === url && existing.branch === branch) return existing;
    if (existing) await existing.engine.stop();
    const [namespace = '', name = ''] = key.split('/');
    const repo = await openRepository({
      dir: join(this.#options.cacheDir, 'git', namespace, name),
      url,
      branch,
      ...(auth ? { auth } : {}),
      http: this.#options.http,
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
      repo,
      engine: this.#options.engines({
        owner,
        ignore: (gitsync.spec.sync?.ignore ?? []).map((rule) => ({
          target: rule.target ?? {},
          paths: rule.paths,
        })),
        revertDrift: gitsync.spec.sync?.revertDrift ?? true,
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
      lastFullSync: 0,
      lastAutomation: 0,
      automationRequested: false,
      reportedProblems: '',
    };
    this.#states.set(key, state);
    return state;
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

function duration(value: string | undefined, fallback: number): number {
  if (!value) return fallback;
  try {
    return parseDuration(value);
  } catch {
    return fallback;
  }
}
