// Reconciles one GitSync in the shape Flux's reconcilers have: get the object (forget it when it is
// gone), defer the one status patch of this reconcile, stop at `suspend`, and run the inner reconcile,
// which returns the status it produced and when to come back. Inside: fetch the branch, sync the path
// when the commit (or spec) changed or a full re-sync is due (gitsync-sync-step.ts), run image
// automation when its interval is due or an ImagePolicy it names moved (gitsync-automation-step.ts).
// Drift between syncs arrives through gitsync-drift.ts.
import type { Logger } from 'pino';
import type { ConditionUpdate } from '../api/conditions.ts';
import { syncBranch, syncEnabled } from '../api/defaults.ts';
import type { GitSync, GitSyncStatus, ImagePolicy } from '../api/types.ts';
import { GitError, type HeadCommit } from '../git/index.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import type { Metrics } from '../metrics.ts';
import type { ReconcileOutcome } from '../runtime/work-queue.ts';
import { type TlsSettings, tlsSettingsDigest } from '../util/tls-settings.ts';
import { DEPENDENCY_RETRY_MS, type DependencyWait, dependencyWait } from './dependencies.ts';
import { automationStep } from './gitsync-automation-step.ts';
import { credentialsDigest, resolveCredentials } from './gitsync-credentials.ts';
import { driftHandlers } from './gitsync-drift.ts';
import { SIGNING_KEY_INVALID, signingDigest, signingSecretName, signingSetupOf } from './gitsync-signing.ts';
import {
  automationDue,
  confinementOf,
  driftConditions,
  type GitSyncIntervals,
  type GitSyncState,
  identityOf,
  intervalsOf,
  nextReconcileIn,
  readyCondition,
  syncDue,
} from './gitsync-state.ts';
import { sameInventory, toStatusInventory } from './gitsync-status.ts';
import { syncStep } from './gitsync-sync-step.ts';
import { recordEventAbout } from './object-events.ts';
import type { GitSyncPorts } from './ports.ts';

/** What the GitSync reconciler needs. */
export interface GitSyncReconcilerOptions {
  /** Git, the sync engines, Secrets, status and Events (gitsync-wiring.ts makes the real ones). */
  ports: GitSyncPorts;
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
  logger: Logger;
  metrics?: Metrics | undefined;
  get: (namespace: string, name: string) => GitSync | undefined;
  policies: () => readonly ImagePolicy[];
  now?: () => Date;
}

/** What the inner reconcile produced: the status patch and when to come back. */
interface Reconciled {
  status: GitSyncStatus;
  conditions: ConditionUpdate[];
  requeueAfterMs?: number | undefined;
}

/** Reconciles GitSyncs by `<namespace>/<name>` key. */
export class GitSyncReconciler {
  readonly #options: GitSyncReconcilerOptions;
  readonly #ports: GitSyncPorts;
  readonly #states = new Map<string, GitSyncState>();
  /** GitSyncs held by `spec.dependsOn`, with the dependencies (keys) they wait for. */
  readonly #waiting = new Map<string, string[]>();
  readonly #now: () => Date;

  constructor(options: GitSyncReconcilerOptions) {
    this.#options = options;
    this.#ports = options.ports;
    this.#now = options.now ?? (() => new Date());
  }

  /** Makes the next reconcile of `key` run automation even if its interval is not due. */
  requestAutomation(key: string): void {
    const state = this.#states.get(key);
    if (state) state.automationRequested = true;
  }

  /**
   * The GitSyncs waiting for `key` (spec.dependsOn), to look again now that it changed: released
   * when it is Ready, else their condition says what it is waiting for now (a held reconcile is cheap:
   * no fetch, no sync).
   */
  dependentsToWake(key: string): string[] {
    return [...this.#waiting].filter(([, deps]) => deps.includes(key)).map(([dependent]) => dependent);
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
    let reconciled: Reconciled = { status: {}, conditions: [] };
    try {
      if (gitsync.spec.suspend) {
        reconciled = await this.#suspended(key);
        return undefined;
      }
      const wait = dependencyWait(gitsync, this.#options.get, this.#options.noCrossNamespaceRefs ?? false);
      if (wait) {
        reconciled = await this.#held(key, gitsync, wait);
        return { requeueAfterMs: DEPENDENCY_RETRY_MS };
      }
      this.#waiting.delete(key);
      reconciled = await this.#reconcileInner(key, gitsync);
      return reconciled.requeueAfterMs === undefined
        ? undefined
        : { requeueAfterMs: reconciled.requeueAfterMs };
    } finally {
      await this.#ports.status.write(gitsync, reconciled.status, reconciled.conditions);
    }
  }

  /** Suspended means hands off: no sync, no automation and no drift reverts until resumed. */
  async #suspended(key: string): Promise<Reconciled> {
    await this.#stopEngine(key);
    return {
      status: {},
      conditions: [{ type: 'Ready', status: 'False', reason: 'Suspended', message: 'spec.suspend is true' }],
    };
  }

  /**
   * Held by `spec.dependsOn`: nothing is fetched, synced or automated (what an earlier sync applied
   * keeps its drift watch); woken when a dependency changes, else every DEPENDENCY_RETRY_MS.
   */
  async #held(key: string, gitsync: GitSync, wait: DependencyWait): Promise<Reconciled> {
    const before = this.#waiting.get(key);
    this.#waiting.set(key, wait.waitingFor);
    if (before?.join() !== wait.waitingFor.join())
      this.#options.logger.info({ gitsync: key, reason: wait.reason }, wait.message);
    const previous = gitsync.status?.conditions?.find((c) => c.type === 'Ready');
    if (previous?.reason !== wait.reason)
      await recordEventAbout(this.#ports.events, gitsync, {
        type: wait.reason === 'InvalidDependency' ? 'Warning' : 'Normal',
        reason: wait.reason,
        action: 'Sync',
        note: wait.message,
      });
    return {
      status: {},
      conditions: [{ type: 'Ready', status: 'False', reason: wait.reason, message: wait.message }],
    };
  }

  async #reconcileInner(key: string, gitsync: GitSync): Promise<Reconciled> {
    const intervals = intervalsOf(gitsync);
    const log = this.#options.logger.child({ gitsync: key });
    // Every Secret read, apply, prune and drift revert of this GitSync is made as its ServiceAccount.
    const identity = identityOf(gitsync, this.#options.defaultServiceAccount);
    const { namespace = 'default' } = gitsync.metadata;
    const auth = await this.#ports.readGitAuth(identity, namespace, gitsync.spec.secretRef?.name);
    if (!auth.ok) return this.#failed(gitsync, 'AuthenticationFailed', auth.message, intervals);
    const credentials = await resolveCredentials(gitsync, auth.auth, this.#ports, identity);
    if (!credentials.ok) return this.#failed(gitsync, 'AuthenticationFailed', credentials.message, intervals);
    const tls = (await this.#ports.readTlsSettings?.(identity, namespace, gitsync.spec)) ?? {
      ok: true,
      settings: undefined,
    };
    if (!tls.ok) return this.#failed(gitsync, 'InvalidTLSConfig', tls.message, intervals);
    const signingKey = await this.#ports.readSigningKey(identity, namespace, signingSecretName(gitsync));
    let state: GitSyncState;
    let head: HeadCommit;
    try {
      state = await this.#stateFor(
        key,
        gitsync,
        { auth: credentials.auth, signingKey, tls: tls.settings },
        identity,
      );
      head = await state.repo.refresh();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: message }, 'fetch failed');
      const reason = error instanceof GitError ? fetchFailureReason(error) : 'GitError';
      return this.#failed(gitsync, reason, message, intervals);
    }
    const context = {
      log,
      metrics: this.#options.metrics,
      now: this.#now,
      intervals,
      confineTo: confinementOf(gitsync, this.#options.noCrossNamespaceRefs),
    };
    const now = this.#now().getTime();
    const applying = syncEnabled(gitsync);
    if (!applying) state.syncConditions = writeBackOnlyConditions(head);
    const synced =
      applying && syncDue(gitsync, state, head, now, intervals.fullSync)
        ? await syncStep(gitsync, state, head, context)
        : undefined;
    let status: GitSyncStatus = { ...synced?.status };
    // No signer although one was asked for: no automation, so that no unsigned commit is ever made.
    const canCommit = state.signingProblem === undefined;
    if (automationDue(state, intervals, now) && synced?.result?.error === undefined && canCommit) {
      state.automationRequested = false;
      state.lastAutomation = now;
      const automated = await automationStep(gitsync, state, head, {
        ...context,
        events: this.#ports.events,
        policies: this.#options.policies(),
        impersonate: identity,
      });
      status = { ...status, ...automated };
    }
    return this.#result(gitsync, state, status, intervals, head);
  }

  /** The status patch after a sync and/or automation run, and when to come back. */
  #result(
    gitsync: GitSync,
    state: GitSyncState,
    status: GitSyncStatus,
    intervals: GitSyncIntervals,
    head: HeadCommit,
  ): Reconciled {
    const now = this.#now().getTime();
    const ready: ConditionUpdate =
      state.signingProblem === undefined
        ? syncEnabled(gitsync)
          ? readyCondition(state, { intervals, now })
          : writeBackOnlyReady(head)
        : {
            type: 'Ready',
            status: 'False',
            reason: SIGNING_KEY_INVALID,
            message: `${state.signingProblem}; image automation makes no commit until the signing key is fixed`,
          };
    const conditions = [
      ...state.syncConditions,
      withInsecureWarning(gitsync, ready),
      ...driftConditions(gitsync, state, now, intervals.fullSync),
    ];
    // The inventory the engine holds is authoritative over a status that has not caught up.
    const inventory =
      status.inventory === undefined &&
      state.inventory &&
      !sameInventory(gitsync.status?.inventory, state.inventory)
        ? { inventory: toStatusInventory(state.inventory) }
        : {};
    return {
      status: { ...status, ...inventory },
      conditions,
      requeueAfterMs: nextReconcileIn(state, intervals, now),
    };
  }

  async #failed(
    gitsync: GitSync,
    reason: string,
    failure: string,
    intervals: GitSyncIntervals,
  ): Promise<Reconciled> {
    const message = withInsecureWarning(gitsync, { message: failure }).message;
    await recordEventAbout(this.#ports.events, gitsync, {
      type: 'Warning',
      reason,
      action: 'Fetch',
      note: message,
    });
    return {
      status: {},
      conditions: [{ type: 'Ready', status: 'False', reason, message }],
      requeueAfterMs: intervals.git,
    };
  }

  /** The state of `key`, made anew (new repository and engine) when the URL, branch or engine spec changed. */
  async #stateFor(
    key: string,
    gitsync: GitSync,
    keys: {
      auth: Parameters<GitSyncPorts['openRepository']>[0]['auth'];
      signingKey: Awaited<ReturnType<GitSyncPorts['readSigningKey']>>;
      tls: TlsSettings | undefined;
    },
    identity: Impersonation | undefined,
  ): Promise<GitSyncState> {
    const { auth, signingKey, tls } = keys;
    const url = gitsync.spec.url;
    const branch = syncBranch(gitsync.spec);
    const ignore = (gitsync.spec.sync?.ignore ?? []).map((rule) => ({
      target: rule.target ?? {},
      paths: rule.paths,
    }));
    const revertDrift = gitsync.spec.sync?.revertDrift ?? true;
    // Turning sync off makes a new engine too: the old one's drift watches stop.
    const engineSpec = JSON.stringify({
      ignore,
      revertDrift,
      user: identity?.user,
      apply: syncEnabled(gitsync),
    });
    // A rotated key, password, signing key, CA bundle or client certificate reopens the repository.
    const authDigest = `${credentialsDigest(auth)}:${signingDigest(signingKey)}/${tlsSettingsDigest(tls)}`;
    const existing = this.#states.get(key);
    if (
      existing &&
      existing.url === url &&
      existing.branch === branch &&
      existing.engineSpec === engineSpec &&
      existing.authDigest === authDigest
    )
      return existing;
    // A new repository, branch, ignore list or revertDrift takes effect now: a new engine, synced at once.
    const signing = await signingSetupOf(signingKey);
    if (existing) await existing.engine.stop();
    const [namespace = '', name = ''] = key.split('/');
    const signer = 'signer' in signing ? signing.signer : undefined;
    const repo = await this.#ports.openRepository({
      namespace,
      name,
      url,
      branch,
      auth,
      signer,
      ...(tls ? { tls } : {}),
    });
    const owner = {
      apiVersion: gitsync.apiVersion,
      kind: gitsync.kind,
      namespace,
      name,
      uid: gitsync.metadata.uid,
    };
    const handlers = driftHandlers({
      gitsync,
      state: () => this.#states.get(key),
      events: this.#ports.events,
      metrics: this.#options.metrics,
      now: () => this.#now().getTime(),
      patchConditions: (updates) => this.#patchConditions(key, updates),
    });
    const state: GitSyncState = {
      url,
      branch,
      engineSpec,
      authDigest,
      repo,
      engine: this.#ports.engines({ owner, ignore, revertDrift, impersonate: identity, handlers }),
      failedAttempts: 0,
      syncConditions: [],
      ...(existing?.inventory ? { inventory: existing.inventory } : {}),
      reconcileAt: existing?.reconcileAt,
      lastFullSync: 0,
      lastAutomation: existing?.lastAutomation ?? 0,
      automationRequested: existing?.automationRequested ?? false,
      reportedProblems: '',
      signingProblem: 'problem' in signing ? signing.problem : undefined,
    };
    this.#states.set(key, state);
    if ('problem' in signing) await this.#signingKeyInvalid(key, gitsync, signing.problem);
    return state;
  }

  /** Says once per change of the signing key Secret that it cannot be used (the Ready condition keeps saying it). */
  async #signingKeyInvalid(key: string, gitsync: GitSync, problem: string): Promise<void> {
    this.#options.logger.warn(
      { gitsync: key, err: problem },
      'signing key invalid: image automation stopped',
    );
    await recordEventAbout(this.#ports.events, gitsync, {
      type: 'Warning',
      reason: SIGNING_KEY_INVALID,
      action: 'Automate',
      note: problem,
    });
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
    this.#waiting.delete(key);
    this.#ports.status.forget(key);
    await state?.engine.stop();
    // Deleted, or relabelled to another shard (it left this controller's watch); what it applied stays.
    if (state)
      this.#options.logger.info({ gitsync: key }, 'stopped reconciling: deleted or moved to another shard');
  }

  /** Patches conditions between reconciles (drift); the GitSync is read afresh, errors are logged. */
  async #patchConditions(key: string, updates: ConditionUpdate[]): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const gitsync = this.#options.get(namespace, name);
    if (!gitsync) return;
    await this.#ports.status
      .write(gitsync, {}, updates)
      .catch((error: unknown) =>
        this.#options.logger.warn(
          { gitsync: key, err: (error as Error).message },
          'could not update conditions',
        ),
      );
  }
}

const WRITE_BACK_ONLY = 'spec.sync.enabled is false: tagpilot commits image updates and applies nothing';

/** Synced and Healthy of a write-back-only GitSync: tagpilot neither applies nor watches anything. */
function writeBackOnlyConditions(head: HeadCommit): ConditionUpdate[] {
  const message = `${WRITE_BACK_ONLY} (head ${head.oid.slice(0, 7)})`;
  return [
    { type: 'Synced', status: 'Unknown', reason: 'SyncDisabled', message },
    { type: 'Healthy', status: 'Unknown', reason: 'SyncDisabled', message },
  ];
}

/** Ready of a write-back-only GitSync: the repository was fetched, which is all it needs. */
function writeBackOnlyReady(head: HeadCommit): ConditionUpdate {
  return {
    type: 'Ready',
    status: 'True',
    reason: 'WriteBackOnly',
    message: `fetched commit ${head.oid.slice(0, 7)}; applying is left to another tool (spec.sync.enabled is false)`,
  };
}

/** The Ready reason for a failed fetch: what the user has to fix, where that is clear. */
function fetchFailureReason(error: GitError): string {
  switch (error.code) {
    case 'UNAUTHORIZED':
    case 'INVALID_IDENTITY':
      return 'AuthenticationFailed';
    case 'TLS_CERTIFICATE':
      return 'TLSCertificateFailed';
    case 'KNOWN_HOSTS_MISSING':
    case 'HOST_KEY_UNKNOWN':
    case 'HOST_KEY_CHANGED':
    case 'HOST_KEY_REVOKED':
      return 'HostKeyVerificationFailed';
    default:
      return 'FetchFailed';
  }
}

/** Verification off is said in the Ready message of every reconcile, not only in the log. */
function withInsecureWarning<C extends { message: string }>(gitsync: GitSync, condition: C): C {
  if (gitsync.spec.insecureSkipTLSVerify !== true) return condition;
  return {
    ...condition,
    message: `${condition.message}; WARNING: spec.insecureSkipTLSVerify is true, the Git server's certificate is not verified`,
  };
}
