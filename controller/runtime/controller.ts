// One kind's control loop in controller-runtime's shape: an informer keeps a cache of the objects and
// queues the key of every change; a work queue runs the reconcile function per key (deduplicated,
// bounded, retried with backoff). Nothing is queued while `active()` says no (a standby replica);
// when the first list is in, every object is queued once (changes seen before leading were dropped).
import type { KubeClient } from '../kube/client.ts';
import type { ResourceInfo } from '../kube/types.ts';
import type { Logger } from '../logger.ts';
import { type ResourceCache, startInformer } from './informer.ts';
import { type ReconcileOutcome, WorkQueue } from './work-queue.ts';

/** An object as the control loop reads it: a name, a namespace, labels and annotations. */
export interface LoopObject {
  metadata: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/** Options of one kind's control loop. */
export interface ControlLoopOptions<T extends LoopObject> {
  /** The controller's own client (lists and watches with its rights). */
  client: KubeClient;
  resource: ResourceInfo;
  /** Watch only this namespace. Default: all namespaces. */
  namespace?: string | undefined;
  /** Cache (and reconcile) only the objects this label selector matches. Default: every object. */
  labelSelector?: string | undefined;
  /**
   * Whether this controller reconciles a cached object; the others are cached for reading only
   * and never queued (a shard caches every ImagePolicy, scans its own). Default: every object.
   */
  owns?: (object: T) => boolean;
  /** Called with every change of a cached object that this controller does not own. */
  onNotOwnedChange?: (object: T, previous: T | undefined) => void;
  logger: Logger;
  /** Keys reconciled at once. Default 4. */
  concurrency?: number | undefined;
  /** Reconciles one `<namespace>/<name>` key; a throw is retried with backoff. */
  reconcile: (key: string) => Promise<ReconcileOutcome | undefined>;
  /** Called with every failed reconcile (logging, metrics). */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
  /** Called before an added or changed object is queued (e.g. to note a `reconcile-at` request). */
  onChange?: (key: string, object: T) => void;
  /** Whether changes are queued now. Default: always. */
  active?: () => boolean;
  /** Abortable sleep between watch reconnects. Default `timers/promises` setTimeout. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** An informer plus a work queue for one kind. */
export class ControlLoop<T extends LoopObject> {
  readonly queue: WorkQueue;
  readonly #options: ControlLoopOptions<T>;
  #cache: ResourceCache<T> | undefined;
  #synced = false;

  constructor(options: ControlLoopOptions<T>) {
    this.#options = options;
    this.queue = new WorkQueue({
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      process: options.reconcile,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Starts the informer (once); resolves when its first list is in and every object was queued. */
  start(): Promise<void> {
    if (this.#cache) return this.#cache.synced;
    const { client, resource, namespace, labelSelector, logger } = this.#options;
    const active = this.#options.active ?? (() => true);
    this.#cache = startInformer<T & { metadata: { name?: string; namespace?: string } }>({
      client,
      resource,
      namespace,
      labelSelector,
      logger,
      ...(this.#options.sleep ? { sleep: this.#options.sleep } : {}),
      onChange: (key, object, event, previous) => {
        if (!active()) return;
        // A label change can hand an object to another shard: the reconcile of the key after it
        // left forgets it here (what it applied stays; the new owner takes over).
        if (!this.owns(object) && (previous === undefined || !this.owns(previous))) {
          this.#options.onNotOwnedChange?.(object, previous);
          return;
        }
        if (event !== 'delete') this.#options.onChange?.(key, object);
        this.queue.add(key);
      },
    });
    return this.#cache.synced.then(() => {
      this.#synced = true;
      for (const object of this.list()) if (this.owns(object)) this.queue.add(keyOf(object));
    });
  }

  /** Whether this controller reconciles `object` (the `owns` option; default true). */
  owns(object: T): boolean {
    return this.#options.owns?.(object) ?? true;
  }

  /** True once the first list is in. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The cached object, if any (nothing before `start`). */
  get(namespace: string, name: string): T | undefined {
    return this.#cache?.get(namespace, name);
  }

  /** Every cached object. */
  list(): readonly T[] {
    return this.#cache?.list() ?? [];
  }

  /** Why listing or watching fails, while it does. */
  lastError(): string | undefined {
    return this.#cache?.lastError();
  }

  /** Stops the informer, then the queue (waiting for the reconciles in progress). */
  async stop(): Promise<void> {
    await this.#cache?.stop();
    await this.queue.shutdown();
  }
}

/** The `<namespace>/<name>` key of an object. */
export function keyOf(object: LoopObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}
