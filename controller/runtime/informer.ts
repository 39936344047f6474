// A cache of one custom resource kind kept current by list + watch (kube/'s ResourceWatch: resume
// from the last resourceVersion, relist on 410, reconnect with backoff), so reconcilers read objects
// from memory and are woken on every change.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import type { ResourceInfo } from '../kube/types.ts';
import { ResourceWatch, type WatchEvent } from '../kube/watch.ts';
import type { Logger } from '../logger.ts';

/** A running informer. */
export interface ResourceCache<T> {
  get(namespace: string, name: string): T | undefined;
  list(): readonly T[];
  /** Resolves once a list has succeeded (not merely been tried). */
  synced: Promise<void>;
  /** Why the last list or watch failed, until one succeeds again; undefined when none failed. */
  lastError(): string | undefined;
  stop(): Promise<void>;
}

/** Options of `startInformer`. */
export interface InformerOptions<T> {
  /** The controller's client (its own rights, not impersonated). */
  client: KubeClient;
  /** The kind to watch; `namespace` limits it to one namespace (default: all namespaces). */
  resource: ResourceInfo;
  namespace?: string | undefined;
  /** Cache only the objects this label selector matches (e.g. a shard's). Default: every object. */
  labelSelector?: string | undefined;
  logger: Logger;
  /**
   * Called with the `<namespace>/<name>` key of every added, changed or deleted object, and the
   * cached object before the change (undefined for an add).
   */
  onChange: (key: string, object: T, event: 'add' | 'update' | 'delete', previous: T | undefined) => void;
  /** Delay before reconnect attempt `n` (1-based). Default 100 ms doubling, capped at 2 s. */
  reconnectDelay?: (failures: number) => number;
  /** Abortable sleep. Default `timers/promises` setTimeout. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const EVENTS = { ADDED: 'add', MODIFIED: 'update', DELETED: 'delete' } as const;

/** Starts listing and watching in the background. */
export function startInformer<T extends { metadata: { name?: string; namespace?: string } }>(
  options: InformerOptions<T>,
): ResourceCache<T> {
  const keyOf = (object: { metadata: { namespace?: string | undefined; name?: string | undefined } }) =>
    `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
  const watch = new ResourceWatch({
    client: options.client,
    resource: options.resource,
    namespace: options.namespace,
    ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}),
    logger: options.logger,
    // Our CR types are the API's JSON; the watch stores them as generic objects.
    onEvent: (event: WatchEvent) =>
      options.onChange(
        keyOf(event.object),
        event.object as unknown as T,
        EVENTS[event.type],
        event.previous as unknown as T | undefined,
      ),
    sleep: options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
    // Unlike a drift watch's routine reconnects, a failing informer leaves the controller blind.
    onError: (error, synced) =>
      options.logger.warn(
        { err: error instanceof Error ? error.message : String(error), resource: options.resource.resource },
        synced ? 'watch failed; reconnecting' : 'list failed; retrying',
      ),
    ...(options.reconnectDelay ? { reconnectDelay: options.reconnectDelay } : {}),
  });
  watch.start();
  return {
    // Cluster-scoped kinds are keyed by name alone in the watch's store.
    get: (namespace, name) =>
      watch.store.get(options.resource.namespaced ? `${namespace}/${name}` : name) as T | undefined,
    list: () => [...watch.store.values()] as unknown as T[],
    synced: watch.synced,
    lastError: () => watch.lastError(),
    stop: () => watch.stop(),
  };
}
