// The Syncer of one GitSync: apply, prune, drift watches, reverts, Events. Over 300 lines because
// it is the one place that wires those parts together around shared per-GitSync state (desired
// objects, own writes, revert history); each part lives in its own module (run-sync, drift-watcher,
// apply-object, sync-reporter, ...).
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { KubeApi } from '../kube/api.ts';
import { KubeClient } from '../kube/client.ts';
import { Discovery } from '../kube/discovery.ts';
import { EventRecorder } from '../kube/events.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';
import type { WriteFence } from '../kube/write-fence.ts';
import { KeyedMutex } from '../util/keyed-mutex.ts';
import { applyObject } from './apply-object.ts';
import { type RevertDetails, revertDetails } from './drift-report.ts';
import { type DriftTask, DriftWatcher, type WatchTarget } from './drift-watcher.ts';
import { HealthTracker } from './health-tracker.ts';
import { HpaTracker } from './hpa-tracker.ts';
import { planApply, SCALABLE_KINDS } from './ignore-rules.ts';
import { jsonEqual } from './json-values.ts';
import { OWNER_LABEL, ownerLabelValue } from './ownership.ts';
import type { ParseCache } from './render.ts';
import { type Backoff, RevertHistory } from './revert-history.ts';
import { type ManagedObject, runSync } from './run-sync.ts';
import { SyncReporter } from './sync-reporter.ts';
import type {
  DriftFailure,
  DriftFight,
  DriftReport,
  HealthVerdict,
  IgnoreRule,
  InventoryEntry,
  OwnerRef,
  SyncRequest,
  SyncResult,
} from './types.ts';
import { VerifiedStates } from './verified-states.ts';

/**
 * Options of a Syncer; one Syncer serves one GitSync. It reaches the cluster through `client` (the
 * controller's one client, shared by every Syncer) or, given only `kubeConfig`, a client of its own.
 */
export interface SyncerOptions {
  /**
   * The controller's client (fenced by the leadership Lease, not impersonated); the Syncer's requests
   * go through an impersonated view of it that shares its connections. `dispatcher` and `fence` are
   * then not used: the client carries them. Default: a client of its own from `kubeConfig`.
   */
  client?: KubeClient;
  /** Cluster, TLS and credentials, when no `client` is given. */
  kubeConfig?: KubeConfig;
  /** Discovery shared with other Syncers. Default: one of its own. */
  discovery?: Discovery;
  /** Records the Syncer's Events (with the controller's own rights). Default: one of its own. */
  events?: EventRecorder;
  logger: Logger;
  /** The GitSync the objects belong to: the ownership label value and the `related` object of events. */
  owner: OwnerRef;
  /** Server-side apply field manager. Default `tagpilot` (never rename it: ownership is keyed on it). */
  fieldManager?: string;
  /** Fields never set or reverted (GitSync `spec.sync.ignore`). Default none. */
  ignore?: readonly IgnoreRule[];
  /** Applies / dry runs in flight at once. Default 16. */
  concurrency?: number;
  /** Clock. Default `Date.now`. */
  now?: () => number;
  /** Abortable sleep. Default `timers/promises` setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Delay before the n-th consecutive revert of one object. Default 0, 2 s, 6 s, 18 s … 5 m. */
  backoff?: Backoff;
  /** Reverts of one object within this window count towards a fight. Default 60 s. */
  fightWindowMs?: number;
  /** Reverts within the window that make a fight. Default 3. */
  fightThreshold?: number;
  /** Wait for a CRD to become Established. Default 30 s. */
  crdTimeoutMs?: number;
  /**
   * How long an object whose resourceVersion has not changed since it was verified (dry run, own
   * write, or proof from the live object) skips even the proof on re-sync; 0 turns the cache off
   * (objects are still proven unchanged from their live state before any dry run). Default 30 min.
   */
  dryRunCacheMs?: number;
  /** Write Kubernetes Events. Default true. */
  recordEvents?: boolean;
  /** `reportingInstance` of events (e.g. the pod name). Default `tagpilot`. */
  reportingInstance?: string;
  /** Transport for the API client. Default: a keep-alive undici Agent from the KubeConfig. */
  dispatcher?: Dispatcher;
  /** Delay before watch reconnect attempt n. Default 100 ms doubling, capped at 2 s. */
  reconnectDelay?: (failures: number) => number;
  /** Asked before every write (applies, reverts, prunes, Events); the leadership fence. Default none. */
  fence?: WriteFence;
  /**
   * Every list, watch, dry run, apply, revert and prune is made as this identity (the GitSync's
   * ServiceAccount); Events are still recorded with the controller's own rights. Default none:
   * the KubeConfig's user does everything.
   */
  impersonate?: Impersonation | undefined;
}

/** Events a Syncer emits. */
export interface SyncerEvents {
  /** A sync finished (also the periodic ones). */
  sync: [SyncResult];
  /** A drifted object was put back. */
  drift: [DriftReport];
  /** Someone keeps changing an object back. */
  fight: [DriftFight];
  /** A fight (or revert streak) is over: the object stayed as in Git for the quiet period. */
  'fight-ended': [{ id: string; object: string }];
  /** A revert failed; it is retried with backoff. */
  'drift-error': [DriftFailure];
  /** Between syncs, an applied object's health changed: every verdict of the last sync, updated. */
  health: [HealthVerdict[]];
}

/**
 * Applies a rendered Git path to the cluster and keeps it there: server-side apply with dry-run
 * no-op detection, prune, drift watches with backoff and fight detection, Events.
 */
export class Syncer extends EventEmitter<SyncerEvents> {
  /** The value of the `tagpilot.io/managed-by` label on every object this Syncer applies. */
  readonly ownerLabelValue: string;
  /** The API client of every sync request (its `counts` tell how many requests were sent). */
  readonly client: KubeClient;
  /** The controller's own client (Events); the same as `client` when nobody is impersonated. */
  readonly #ownClient: KubeClient;
  /** Whether the Syncer made `#ownClient` (and closes it on stop). */
  readonly #ownsClient: boolean;
  readonly #api: KubeApi;
  readonly #discovery: Discovery;
  readonly #options: SyncerOptions;
  readonly #fieldManager: string;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #mutex = new KeyedMutex();
  readonly #syncLock = new KeyedMutex();
  readonly #history: RevertHistory;
  readonly #ownWrites = new Map<string, string[]>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  #managed = new Map<string, ManagedObject>();
  #drift: DriftWatcher<RevertDetails> | undefined;
  #hpa: HpaTracker | undefined;
  #lastRequest: SyncRequest | undefined;
  #lastInventory: InventoryEntry[] = [];
  readonly #reporter: SyncReporter;
  readonly #verified: VerifiedStates;
  readonly #parseCache: ParseCache = new Map();
  readonly #health = new HealthTracker();

  constructor(options: SyncerOptions) {
    super();
    this.#options = options;
    this.#fieldManager = options.fieldManager ?? 'tagpilot';
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.ownerLabelValue = ownerLabelValue(options.owner.namespace, options.owner.name);
    this.#ownsClient = options.client === undefined;
    this.#ownClient = options.client ?? this.#makeClient(options);
    this.client = options.impersonate ? this.#ownClient.impersonating(options.impersonate) : this.#ownClient;
    this.#api = new KubeApi(this.client);
    this.#discovery = options.discovery ?? new Discovery(this.client, { now: this.#now });
    this.#history = new RevertHistory({
      backoff: options.backoff,
      fightWindowMs: options.fightWindowMs,
      fightThreshold: options.fightThreshold,
    });
    this.#verified = new VerifiedStates({ ttlMs: options.dryRunCacheMs, now: this.#now });
    const events =
      options.recordEvents === false
        ? undefined
        : (options.events ??
          new EventRecorder({
            api: new KubeApi(this.#ownClient),
            logger: options.logger,
            reportingInstance: options.reportingInstance,
            now: this.#now,
          }));
    this.#reporter = new SyncReporter({
      logger: options.logger,
      owner: options.owner,
      events,
      now: this.#now,
      emitDrift: (report) => this.emit('drift', report),
      emitFight: (fight) => this.emit('fight', fight),
      emitFightEnded: (ended) => this.emit('fight-ended', ended),
      emitDriftError: (failure) => this.emit('drift-error', failure),
    });
  }

  #makeClient(options: SyncerOptions): KubeClient {
    if (!options.kubeConfig) throw new TypeError('Syncer: neither client nor kubeConfig given');
    return new KubeClient({
      kubeConfig: options.kubeConfig,
      dispatcher: options.dispatcher,
      now: this.#now,
      ...(options.fence ? { fence: options.fence } : {}),
    });
  }

  /** Applies the manifests, prunes what left Git, and (when watching) watches every applied kind. */
  async sync(request: SyncRequest): Promise<SyncResult> {
    const result = await this.#syncLock.run('sync', () => this.#sync(request));
    this.emit('sync', result);
    return result;
  }

  /** Starts drift watches on every kind of the last sync (and of every later one). */
  async startDriftWatch(): Promise<void> {
    if (this.#drift) return;
    this.#drift = new DriftWatcher<RevertDetails>({
      client: this.client,
      logger: this.#options.logger,
      labelSelector: `${OWNER_LABEL}=${this.ownerLabelValue}`,
      now: this.#now,
      sleep: (ms, signal) => this.#sleep(ms, signal),
      history: this.#history,
      isManaged: (id) => this.#managed.has(id),
      isOwnWrite: (id, rv) => this.#isOwnWrite(id, rv),
      revert: (task) => this.#revert(task),
      onReverted: (task, verdict, details) => this.#reporter.reverted(task, verdict, details),
      onFailed: (task, error) => this.#reporter.revertFailed(task, error),
      onSettled: (id, wasFighting) => {
        if (wasFighting) this.#reporter.endFight(id);
      },
      onObserved: (id, live) => {
        const verdicts = this.#health.observe(id, live);
        if (!verdicts) return;
        const verdict = verdicts.find((v) => v.id === id);
        this.#options.logger.debug(
          { object: verdict?.object, health: verdict?.status, why: verdict?.message },
          'health changed',
        );
        this.emit('health', verdicts);
      },
      reconnectDelay: this.#options.reconnectDelay,
    });
    await this.#drift.watch(this.#resources());
    this.#hpa = new HpaTracker({
      client: this.client,
      discovery: this.#discovery,
      logger: this.#options.logger,
      sleep: (ms, signal) => this.#sleep(ms, signal),
      reconnectDelay: this.#options.reconnectDelay,
      onChange: (targets) => this.#replan(targets),
    });
    await this.#hpa.watch(this.#workloadNamespaces());
  }

  /** HPAs came or went: workloads they now scale stop getting replicas from Git, and vice versa. */
  #replan(targets: ReadonlySet<string>): void {
    for (const [id, { desired, plan }] of this.#managed) {
      if (!SCALABLE_KINDS.has(desired.entry.kind)) continue;
      const next = planApply(desired, this.#options.ignore ?? [], targets);
      if (!jsonEqual(next.release, plan.release)) this.#managed.set(id, { desired, plan: next });
    }
  }

  /**
   * Re-runs the last sync every `intervalMs` (the safety net behind the watches), with the
   * inventory it produced as the previous inventory. Results are emitted as `sync` events.
   */
  startPeriodicResync(intervalMs: number): void {
    const signal = this.#abort.signal;
    const loop = async (): Promise<void> => {
      while (!signal.aborted) {
        await this.#sleep(intervalMs, signal);
        const last = this.#lastRequest;
        if (!last || signal.aborted) continue;
        await this.sync({ ...last, previousInventory: this.#lastInventory }).catch((error: unknown) => {
          this.#options.logger.error({ err: error }, 'periodic re-sync failed');
        });
      }
    };
    this.#track(loop().catch(() => undefined));
  }

  /** The last sync's health verdicts, kept current by the drift watches. */
  healthVerdicts(): HealthVerdict[] {
    return this.#health.current();
  }

  /** Objects currently in a fight. */
  fights(): DriftFight[] {
    return this.#reporter.fights();
  }

  /** Watch counters per resource (relists after 410, reconnects, events). */
  watchStats(): Record<string, { relists: number; reconnects: number; events: number }> {
    return this.#drift?.stats() ?? {};
  }

  /** Stops watches, timers and the periodic re-sync, waits for them, and closes the client it made. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#drift?.stop();
    this.#drift = undefined;
    await this.#hpa?.stop();
    this.#hpa = undefined;
    await Promise.allSettled(this.#background);
    await this.#reporter.flush();
    if (this.client !== this.#ownClient) await this.client.close();
    if (this.#ownsClient) await this.#ownClient.close();
  }

  async #sync(request: SyncRequest): Promise<SyncResult> {
    const logger = this.#options.logger;
    const result = await runSync(
      {
        api: this.#api,
        discovery: this.#discovery,
        logger,
        fieldManager: this.#fieldManager,
        ownerLabelValue: this.ownerLabelValue,
        concurrency: this.#options.concurrency ?? 16,
        ignore: this.#options.ignore ?? [],
        now: this.#now,
        sleep: (ms) => this.#sleep(ms),
        crdTimeoutMs: this.#options.crdTimeoutMs ?? 30_000,
        mutex: this.#mutex,
        recordWrite: (id, object) => this.#recordWrite(id, object),
        publishDesired: (managed) => this.#publish(managed),
        publishOne: (id, managed) => this.#publishOne(id, managed),
        verified: this.#verified,
        parseCache: this.#parseCache,
      },
      request,
    );
    if (!result.error) {
      this.#lastRequest = request;
      this.#lastInventory = result.inventory;
    }
    result.health = this.#health.reset(result.health);
    logger.info(
      {
        counts: result.counts,
        writes: result.writes,
        durationMs: result.durationMs,
        error: result.error?.code,
      },
      'sync finished',
    );
    this.#reporter.syncFinished(result, (id) => this.#refOfId(id));
    return result;
  }

  /** Installs the new desired state; resets backoff of objects whose desired state changed. */
  async #publish(managed: Map<string, ManagedObject>): Promise<void> {
    for (const [id, old] of this.#managed) {
      const next = managed.get(id);
      if (next && jsonEqual(next.plan.body, old.plan.body)) continue;
      if (this.#history.reset(id)) this.#reporter.endFight(id);
    }
    this.#managed = managed;
    for (const id of this.#ownWrites.keys()) if (!managed.has(id)) this.#ownWrites.delete(id);
    await this.#drift?.watch(this.#resources());
    await this.#hpa?.watch(this.#workloadNamespaces());
  }

  /** One object's new desired state, installed as soon as the sync applied it. */
  #publishOne(id: string, managed: ManagedObject): void {
    const old = this.#managed.get(id);
    if (old && !jsonEqual(managed.plan.body, old.plan.body) && this.#history.reset(id))
      this.#reporter.endFight(id);
    this.#managed.set(id, managed);
  }

  /** Every kind applied, per namespace for namespaced kinds (least privilege: no cluster-wide watch). */
  #resources(): WatchTarget[] {
    const targets = new Map<string, WatchTarget>();
    for (const { desired } of this.#managed.values()) {
      const namespace = desired.info.namespaced ? desired.entry.namespace || undefined : undefined;
      targets.set(`${desired.info.group}/${desired.info.resource}@${namespace ?? ''}`, {
        info: desired.info,
        namespace,
      });
    }
    return [...targets.values()];
  }

  /** The namespaces of the workloads applied (where HPAs may scale them). */
  #workloadNamespaces(): string[] {
    const namespaces = new Set<string>();
    for (const { desired } of this.#managed.values())
      if (SCALABLE_KINDS.has(desired.entry.kind) && desired.entry.namespace)
        namespaces.add(desired.entry.namespace);
    return [...namespaces];
  }

  #refOfId(id: string): ObjectRef | undefined {
    const managed = this.#managed.get(id);
    if (!managed) return undefined;
    const { entry, object } = managed.desired;
    return {
      apiVersion: object.apiVersion,
      kind: entry.kind,
      name: entry.name,
      namespace: entry.namespace || undefined,
    };
  }

  #isOwnWrite(id: string, resourceVersion: string | undefined): boolean {
    return resourceVersion !== undefined && (this.#ownWrites.get(id)?.includes(resourceVersion) ?? false);
  }

  #recordWrite(id: string, object: KubeObject): void {
    const rv = object.metadata.resourceVersion;
    if (!rv) return;
    const list = this.#ownWrites.get(id) ?? [];
    list.push(rv);
    this.#ownWrites.set(id, list.slice(-4));
  }

  async #revert(task: DriftTask): Promise<RevertDetails | undefined> {
    if (!this.#managed.has(task.id)) return undefined;
    return this.#mutex.run(task.id, async () => {
      // Read the desired state only under the mutex: a sync may have just applied a newer one.
      const managed = this.#managed.get(task.id);
      if (!managed) return undefined;
      const { desired, plan } = managed;
      // Read the watch's copy only now: a sync or an earlier revert may have just written it.
      const seen = this.#drift?.live(desired.info, task.namespace, task.name) ?? task.live;
      // The watch can deliver tagpilot's own write before the write's answer is processed.
      if (seen && this.#isOwnWrite(task.id, seen.metadata.resourceVersion)) return undefined;
      // A DELETED watch event also means "left our label selector": look before recreating.
      const live = seen ?? (await this.#api.get(desired.info, task.namespace, task.name)) ?? null;
      const outcome = await applyObject(
        { api: this.#api, fieldManager: this.#fieldManager, now: this.#now, sleep: (ms) => this.#sleep(ms) },
        { desired, body: plan.body, release: plan.release, live },
      );
      this.#verified.remember(task.id, outcome.after, VerifiedStates.keyOf(plan));
      if (outcome.writes === 0) return undefined;
      this.#recordWrite(task.id, outcome.after);
      if (live && outcome.after.metadata.resourceVersion === live.metadata.resourceVersion) return undefined;
      return revertDetails(live ?? undefined, outcome.after, this.#fieldManager);
    });
  }

  #track(promise: Promise<unknown>): void {
    this.#background.add(promise);
    promise.finally(() => this.#background.delete(promise)).catch(() => undefined);
  }
}
