// A cache of one custom resource kind kept current by list + watch (client-node's informer), with
// restart-after-error, so reconcilers read objects from memory and are woken on every change.
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import type { Logger } from '../logger.ts';

interface ObjectInformer<T> {
  on(verb: 'add' | 'update' | 'delete', cb: (object: T) => void): void;
  on(verb: 'error', cb: (error: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): T[];
}

/** Which resource to watch. */
export interface ResourceSelector {
  group: string;
  version: string;
  plural: string;
  /** Default: all namespaces. */
  namespace?: string | undefined;
}

/** A running informer. */
export interface ResourceCache<T> {
  get(namespace: string, name: string): T | undefined;
  list(): readonly T[];
  /** Resolves once a list has succeeded (not merely been tried). */
  synced: Promise<void>;
  /** Why the last list or watch failed, until a list succeeds again; undefined when none failed. */
  lastError(): string | undefined;
  stop(): Promise<void>;
}

/** Starts an informer; `onChange` gets the `<namespace>/<name>` key of every added, changed or deleted object. */
export function startInformer<T extends { metadata?: { name?: string; namespace?: string } }>(options: {
  kubeConfig: KubeConfig;
  client: KubeClient;
  resource: ResourceSelector;
  logger: Logger;
  onChange: (key: string, object: T, event: 'add' | 'update' | 'delete') => void;
  /** Delay before restarting a failed watch (default 2 s). */
  restartDelayMs?: number;
}): ResourceCache<T> {
  const { group, version, plural, namespace } = options.resource;
  const path = namespace
    ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}`
    : `/apis/${group}/${version}/${plural}`;
  // client-node's informer resolves start() and reports 'error' when its list fails, so "synced"
  // is taken from the list itself: it resolves on the first list that succeeded.
  let lastError: string | undefined;
  let markListed: () => void = () => {};
  const listed = new Promise<void>((resolve) => {
    markListed = resolve;
  });
  // Our CR types keep timestamps as strings; client-node's ObjectMeta says Date. Only names are read here.
  const list = async () => {
    try {
      const result = (await options.client.request({
        method: 'GET',
        path,
        what: `list ${plural}`,
      })) as KubernetesListObject<KubernetesObject>;
      lastError = undefined;
      markListed();
      return result;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  };
  const informer = makeInformer<KubernetesObject>(
    options.kubeConfig,
    path,
    list,
  ) as unknown as ObjectInformer<T>;
  const keyOf = (object: T) => `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
  for (const event of ['add', 'update', 'delete'] as const) {
    informer.on(event, (object) => options.onChange(keyOf(object), object, event));
  }
  let stopped = false;
  informer.on('error', (error) => {
    if (stopped) return;
    options.logger.warn({ err: error, resource: plural }, 'watch failed; restarting');
    setTimeout(() => {
      if (!stopped) informer.start().catch(() => {});
    }, options.restartDelayMs ?? 2000).unref();
  });
  void startWithRetry(informer, options.logger, plural, () => stopped, options.restartDelayMs ?? 2000);
  return {
    get: (ns, name) => informer.get(name, ns),
    list: () => informer.list(),
    synced: listed,
    lastError: () => lastError,
    stop: async () => {
      stopped = true;
      await informer.stop();
    },
  };
}

async function startWithRetry(
  informer: { start(): Promise<void> },
  logger: Logger,
  plural: string,
  stopped: () => boolean,
  delayMs: number,
): Promise<void> {
  for (;;) {
    try {
      await informer.start();
      return;
    } catch (error) {
      if (stopped()) return;
      logger.warn({ err: error, resource: plural }, 'initial list failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
