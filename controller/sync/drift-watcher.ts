/**
 * Drift detection: one label-selected watch per kind tagpilot applied, and a per-object queue
 * that turns a meaningful change (anything but status and volatile metadata) or a deletion into
 * one revert, after the object's backoff. Changes made by tagpilot's own writes are recognised by
 * their resourceVersion and ignored.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject, ResourceInfo } from '../kube/types.ts';
import { ResourceWatch, type WatchEvent } from '../kube/watch.ts';
import { sameState } from './json-values.ts';
import type { RevertHistory, RevertVerdict } from './revert-history.ts';

/** One revert to run. */
export interface DriftTask {
  id: string;
  info: ResourceInfo;
  namespace: string | undefined;
  name: string;
  /** When the watch delivered the change. */
  detectedAt: number;
  /** The latest object the watch has; undefined when it was deleted (or left our selector). */
  live: KubeObject | undefined;
}

/**
 * One watch: a kind, in one namespace (namespaced kinds) or cluster-wide (cluster-scoped kinds), so
 * a GitSync acting as a ServiceAccount with rights in its own namespace only can watch what it applied.
 */
export interface WatchTarget {
  info: ResourceInfo;
  /** Undefined for a cluster-scoped kind. */
  namespace: string | undefined;
}

/** Options of the drift watcher. */
export interface DriftWatcherOptions<R> {
  client: KubeClient;
  logger: Logger;
  /** Selects the objects of one owner, e.g. `tagpilot.io/managed-by=ns.name`. */
  labelSelector: string;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  history: RevertHistory;
  /** True when tagpilot has a desired state for the object. */
  isManaged: (id: string) => boolean;
  /** True when this resourceVersion of the object was written by tagpilot itself. */
  isOwnWrite: (id: string, resourceVersion: string | undefined) => boolean;
  /** Puts the object back; returns what was reverted, or undefined when nothing had to be written. */
  revert: (task: DriftTask) => Promise<R | undefined>;
  /** A revert was written. */
  onReverted: (task: DriftTask, verdict: RevertVerdict, reverted: R) => void;
  /** A revert failed; it is retried after the backoff. */
  onFailed: (task: DriftTask, error: unknown) => void;
  /** An object's streak ended (it stayed as in Git for the quiet period). */
  onSettled: (id: string, wasFighting: boolean) => void;
  /** Every state the watch sees of a managed object, status changes and own writes included (health). */
  onObserved?: (id: string, live: KubeObject) => void;
  /** Delay before watch reconnect attempt n. Default: ResourceWatch's. */
  reconnectDelay?: (failures: number) => number;
}

interface ActiveTask {
  again: boolean;
  detectedAt: number;
}

/** Watches, queue and backoff of drift reverts for one owner. */
export class DriftWatcher<R> {
  readonly #options: DriftWatcherOptions<R>;
  readonly #watches = new Map<string, ResourceWatch>();
  readonly #active = new Map<string, ActiveTask>();
  readonly #failures = new Map<string, number>();
  readonly #background = new Set<Promise<void>>();
  readonly #abort = new AbortController();

  constructor(options: DriftWatcherOptions<R>) {
    this.#options = options;
  }

  /**
   * Watches exactly these kinds and namespaces (one watch per group/resource and namespace);
   * returns when each has listed or failed to (a kind that may not be listed or watched is retried
   * in the background and never holds up a sync).
   */
  async watch(targets: readonly WatchTarget[]): Promise<void> {
    const wanted = new Map(targets.map((target) => [watchKey(target.info, target.namespace), target]));
    for (const [key, watch] of this.#watches) {
      if (wanted.has(key)) continue;
      this.#watches.delete(key);
      await watch.stop();
    }
    for (const [key, { info, namespace }] of wanted) {
      if (this.#watches.has(key)) continue;
      const watch = new ResourceWatch({
        client: this.#options.client,
        resource: info,
        namespace,
        labelSelector: this.#options.labelSelector,
        logger: this.#options.logger,
        sleep: this.#options.sleep,
        reconnectDelay: this.#options.reconnectDelay,
        onEvent: (event) => this.#onEvent(info, event),
      });
      this.#watches.set(key, watch);
      watch.start();
    }
    await Promise.all([...this.#watches.values()].map((w) => w.attempted));
  }

  /** The live object as the watch last saw it: undefined when absent, null when not watched. */
  live(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined | null {
    const watch = this.#watches.get(watchKey(info, info.namespaced ? namespace : undefined));
    if (!watch) return null;
    return watch.store.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Watch counters (relists, reconnects, events) per resource. */
  stats(): Record<string, { relists: number; reconnects: number; events: number }> {
    return Object.fromEntries([...this.#watches].map(([key, w]) => [key, { ...w.stats }]));
  }

  /** Stops every watch, pending revert and timer. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all([...this.#watches.values()].map((w) => w.stop()));
    this.#watches.clear();
    await Promise.all(this.#background);
  }

  #onEvent(info: ResourceInfo, event: WatchEvent): void {
    const { namespace, name } = event.object.metadata;
    if (typeof name !== 'string') return;
    const id = `${namespace ?? ''}_${name}_${info.group}_${info.kind}`;
    if (!this.#options.isManaged(id)) return;
    if (event.type !== 'DELETED') this.#options.onObserved?.(id, event.object);
    if (event.type !== 'DELETED') {
      if (this.#options.isOwnWrite(id, event.object.metadata.resourceVersion)) return;
      if (event.previous && sameState(event.previous, event.object)) return;
      // The first sight of an object after a (re)list is a change only if it differs from Git;
      // the revert's dry run decides that.
    }
    this.#schedule({ id, info, namespace, name, detectedAt: this.#options.now(), live: undefined });
  }

  #schedule(task: DriftTask): void {
    const active = this.#active.get(task.id);
    if (active) {
      active.again = true;
      return;
    }
    const state: ActiveTask = { again: false, detectedAt: task.detectedAt };
    this.#active.set(task.id, state);
    this.#track(this.#process(task, state));
  }

  async #process(task: DriftTask, state: ActiveTask): Promise<void> {
    const signal = this.#abort.signal;
    try {
      for (;;) {
        const now = this.#options.now();
        const delay = Math.max(this.#options.history.delayFor(task.id, now), this.#retryDelay(task.id));
        if (delay > 0) await this.#options.sleep(delay, signal);
        if (signal.aborted) return;
        state.again = false;
        await this.#runOnce({ ...task, detectedAt: state.detectedAt });
        if (!state.again || signal.aborted) return;
        state.detectedAt = this.#options.now();
      }
    } catch (error) {
      if (!signal.aborted) this.#options.logger.error({ err: error, id: task.id }, 'drift task failed');
    } finally {
      this.#active.delete(task.id);
    }
  }

  async #runOnce(task: DriftTask): Promise<void> {
    if (!this.#options.isManaged(task.id)) return;
    const live = this.live(task.info, task.namespace, task.name) ?? undefined;
    const current = { ...task, live };
    let result: R | undefined;
    try {
      result = await this.#options.revert(current);
    } catch (error) {
      this.#failures.set(task.id, (this.#failures.get(task.id) ?? 0) + 1);
      this.#options.onFailed(current, error);
      // Retry even without a new event: the failure may be transient (API server restart).
      this.#markAgain(task.id);
      return;
    }
    this.#failures.delete(task.id);
    if (result === undefined) return;
    const now = this.#options.now();
    const verdict = this.#options.history.recordRevert(task.id, now);
    this.#options.onReverted(current, verdict, result);
    this.#scheduleSettle(task.id, verdict.calmAt - now);
  }

  #markAgain(id: string): void {
    const active = this.#active.get(id);
    if (active) active.again = true;
  }

  #retryDelay(id: string): number {
    const failures = this.#failures.get(id) ?? 0;
    return failures === 0 ? 0 : Math.min(500 * 2 ** (failures - 1), 60_000);
  }

  #scheduleSettle(id: string, delay: number): void {
    const signal = this.#abort.signal;
    this.#track(
      this.#options.sleep(Math.max(delay, 0), signal).then(
        () => {
          const { ended, wasFighting } = this.#options.history.settle(id, this.#options.now());
          if (ended) this.#options.onSettled(id, wasFighting);
        },
        () => undefined,
      ),
    );
  }

  #track(promise: Promise<void>): void {
    this.#background.add(promise);
    promise.finally(() => this.#background.delete(promise)).catch(() => undefined);
  }
}

function watchKey(info: ResourceInfo, namespace: string | undefined): string {
  return namespace === undefined
    ? `${info.group}/${info.resource}`
    : `${info.group}/${info.resource}@${namespace}`;
}
