import { StringDecoder } from 'node:string_decoder';
import type { Logger } from 'pino';
import { KubeApi } from './api.ts';
import type { KubeClient } from './client.ts';
import { apiVersionOf, resourcePath } from './discovery.ts';
import { isKubeError, KubeError, kubeErrorFromStatus } from './errors.ts';
import { isKubeObject, isRecord, type KubeObject, type ResourceInfo } from './types.ts';

/** A change seen by a watch, after the store was updated. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  /** The stored object before this event, when there was one. */
  previous: KubeObject | undefined;
}

/** Options of one list+watch. */
export interface ResourceWatchOptions {
  client: KubeClient;
  resource: ResourceInfo;
  /** e.g. `tagpilot.io/managed-by=ns.name`. Default: every object. */
  labelSelector?: string;
  /**
   * Watch only this namespace (a namespaced kind), which needs list/watch rights there only.
   * Default: all namespaces.
   */
  namespace?: string | undefined;
  /** Called for every change, in order; must not throw. */
  onEvent: (event: WatchEvent) => void;
  logger: Logger;
  /** Abortable sleep (tests pass their own). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Delay before reconnect attempt `n` (1-based). Default 100 ms doubling, capped at 2 s. */
  reconnectDelay?: (failures: number) => number;
  /** Server-side timeout of one watch request. Default 300 s (then it is re-opened). */
  timeoutSeconds?: number;
  /**
   * Called with every failed list or watch before the reconnect (not with the 410 that starts a
   * relist). Default: only a debug log line.
   */
  onError?: (error: unknown, synced: boolean) => void;
}

/** Counters of one watch, for tests and metrics. */
export interface WatchStats {
  relists: number;
  reconnects: number;
  events: number;
}

/**
 * A list+watch of one resource kind that keeps a store of the objects it sees. It resumes from
 * the last resourceVersion (bookmarks keep it fresh), relists on `410 Gone`, and reconnects with
 * backoff when the API server goes away; after a relist, objects that vanished meanwhile are
 * reported as DELETED and changed ones as MODIFIED.
 */
export class ResourceWatch {
  /** `namespace/name` (or `name`) → latest object. */
  readonly store = new Map<string, KubeObject>();
  readonly stats: WatchStats = { relists: 0, reconnects: 0, events: 0 };
  readonly resource: ResourceInfo;
  readonly #options: ResourceWatchOptions;
  readonly #api: KubeApi;
  readonly #abort = new AbortController();
  #resourceVersion: string | undefined;
  #lastError: string | undefined;
  #running: Promise<void> | undefined;
  #resolveSynced: () => void = () => undefined;
  #resolveAttempted: () => void = () => undefined;
  /** Resolves once the first list is in the store. */
  readonly synced: Promise<void>;
  /**
   * Resolves once the first list has either succeeded or failed. Callers that must not hang on a
   * kind they may not list or watch (RBAC) wait for this instead of `synced`; the watch keeps
   * retrying in the background.
   */
  readonly attempted: Promise<void>;

  constructor(options: ResourceWatchOptions) {
    this.#options = options;
    this.resource = options.resource;
    this.#api = new KubeApi(options.client);
    this.synced = new Promise((resolve) => {
      this.#resolveSynced = resolve;
    });
    this.attempted = new Promise((resolve) => {
      this.#resolveAttempted = resolve;
    });
    void this.synced.then(() => this.#resolveAttempted());
  }

  /** Why the last list or watch failed, until one succeeds again; undefined when none failed. */
  lastError(): string | undefined {
    return this.#lastError;
  }

  /** Starts listing and watching in the background. */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Stops the watch and waits until its loop has ended. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#resolveAttempted();
    await this.#running;
  }

  async #run(): Promise<void> {
    let failures = 0;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#relist();
        await this.#watchOnce(() => {
          failures = 0;
          this.#lastError = undefined;
        });
      } catch (error) {
        if (signal.aborted) break;
        this.#resolveAttempted();
        if (isKubeError(error, 'Gone') || isKubeError(error, 'Expired')) {
          this.#resourceVersion = undefined;
          continue;
        }
        this.#lastError = errorMessage(error);
        this.#options.onError?.(error, this.#resourceVersion !== undefined);
        failures++;
        this.stats.reconnects++;
        const delay = (this.#options.reconnectDelay ?? defaultReconnectDelay)(failures);
        this.#options.logger.debug(
          { resource: this.resource.resource, failures, delay, err: errorMessage(error) },
          'watch interrupted, reconnecting',
        );
        await this.#options.sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  async #relist(): Promise<void> {
    const list = await this.#api.list(this.resource, {
      labelSelector: this.#options.labelSelector,
      namespace: this.#options.namespace,
    });
    this.stats.relists++;
    const seen = new Set<string>();
    for (const object of list.items) {
      const key = objectKey(object);
      seen.add(key);
      const previous = this.store.get(key);
      this.store.set(key, object);
      if (previous?.metadata.resourceVersion === object.metadata.resourceVersion) continue;
      this.#emit({ type: previous ? 'MODIFIED' : 'ADDED', object, previous });
    }
    for (const [key, previous] of this.store) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.#emit({ type: 'DELETED', object: previous, previous });
    }
    this.#resourceVersion = list.resourceVersion;
    this.#lastError = undefined;
    this.#resolveSynced();
  }

  async #watchOnce(onOpen: () => void): Promise<void> {
    const timeoutSeconds = this.#options.timeoutSeconds ?? 300;
    const stream = await this.#options.client.stream(
      {
        method: 'GET',
        path: resourcePath(this.resource, this.#options.namespace),
        query: {
          watch: true,
          allowWatchBookmarks: true,
          resourceVersion: this.#resourceVersion,
          labelSelector: this.#options.labelSelector,
          timeoutSeconds,
        },
        signal: this.#abort.signal,
        what: `watch ${this.resource.resource}`,
      },
      // Bookmarks arrive about once a minute; silence well past the timeout means a dead peer.
      (timeoutSeconds + 60) * 1000,
    );
    onOpen();
    const decoder = new StringDecoder('utf8');
    let buffered = '';
    for await (const chunk of stream.body) {
      buffered += decoder.write(chunk);
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') this.#handleLine(line);
        newline = buffered.indexOf('\n');
      }
    }
  }

  #handleLine(line: string): void {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw new KubeError('InvalidResponse', `watch ${this.resource.resource}: a line is not JSON`, {
        cause: error,
      });
    }
    if (!isRecord(event)) return;
    const type = event.type;
    if (type === 'ERROR') throw kubeErrorFromStatus(event.object, `watch ${this.resource.resource}`);
    const object = withKind(event.object, this.resource);
    if (!object) return;
    const resourceVersion = object.metadata.resourceVersion;
    if (typeof resourceVersion === 'string' && resourceVersion !== '')
      this.#resourceVersion = resourceVersion;
    if (type === 'BOOKMARK') return;
    const key = objectKey(object);
    const previous = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.#emit({ type, object, previous });
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED') return;
    this.store.set(key, object);
    this.#emit({ type, object, previous });
  }

  #emit(event: WatchEvent): void {
    this.stats.events++;
    try {
      this.#options.onEvent(event);
    } catch (error) {
      this.#options.logger.error(
        { err: error, resource: this.resource.resource },
        'watch event handler failed',
      );
    }
  }
}

/** `namespace/name` for namespaced objects, `name` otherwise: the key of a watch store. */
export function objectKey(object: {
  metadata: { namespace?: string | undefined; name?: string | undefined };
}): string {
  const { namespace, name } = object.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

function withKind(value: unknown, info: ResourceInfo): KubeObject | undefined {
  if (!isRecord(value)) return undefined;
  const filled = { apiVersion: apiVersionOf(info), kind: info.kind, ...value };
  return isKubeObject(filled) ? filled : undefined;
}

function defaultReconnectDelay(failures: number): number {
  return Math.min(100 * 2 ** (failures - 1), 2000);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
