// Watches objects on the real API server so that a benchmark can wait for what it expects to see
// (1,000 objects exist, a replica count came back, an image arrived) without polling: one watch
// per resource, whose connection is open before the timed step starts, so waiting adds no request
// to the counts a scenario measures and no poll interval to its times.
import { type KubeConfig, Watch } from '@kubernetes/client-node';

/** What a projection gets: the object as the watch delivered it. */
export interface WatchedObject {
  metadata?: { namespace?: string; name?: string };
  [field: string]: unknown;
}

/** A test on one object's projection; `key` is `namespace/name`. */
export type EventTest<T> = (key: string, value: T) => boolean;

interface Waiter<T> {
  /** Tests still to pass, in order; each on an event after the one that passed the previous. */
  tests: EventTest<T>[];
  /** Re-checked after every event (state waiters). */
  check: (() => boolean) | undefined;
  /** When each test passed. */
  times: number[];
  resolve(times: number[]): void;
}

const RESTART_DELAY_MS = 200;

/** One resource's objects as last seen by a watch, projected to what a benchmark compares. */
export class ObjectWatch<T> {
  readonly #objects = new Map<string, T>();
  readonly #waiters = new Set<Waiter<T>>();
  readonly #watch: Watch;
  readonly #path: string;
  readonly #project: (object: WatchedObject) => T | undefined;
  #abort: AbortController | undefined;
  #stopped = false;

  private constructor(
    kubeConfig: KubeConfig,
    path: string,
    project: (object: WatchedObject) => T | undefined,
  ) {
    this.#watch = new Watch(kubeConfig);
    this.#path = path;
    this.#project = project;
  }

  /**
   * Watches `path` (e.g. `/apis/apps/v1/deployments`); `project` keeps what is compared, or
   * undefined to ignore an object. Resolves once the watch connection is open.
   */
  static async start<T>(
    kubeConfig: KubeConfig,
    path: string,
    project: (object: WatchedObject) => T | undefined,
  ): Promise<ObjectWatch<T>> {
    const watch = new ObjectWatch(kubeConfig, path, project);
    await watch.#connect();
    return watch;
  }

  async #connect(): Promise<void> {
    // No resourceVersion: the server first sends every existing object as ADDED, then changes.
    this.#abort = await this.#watch.watch(
      this.#path,
      { allowWatchBookmarks: false },
      (type: string, object: WatchedObject) => this.#onEvent(type, object),
      () => {
        if (this.#stopped) return;
        setTimeout(() => {
          if (!this.#stopped) this.#connect().catch(() => {});
        }, RESTART_DELAY_MS);
      },
    );
  }

  #onEvent(type: string, object: WatchedObject): void {
    const key = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    if (type === 'DELETED') {
      this.#objects.delete(key);
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      const value = this.#project(object);
      if (value === undefined) return;
      this.#objects.set(key, value);
      const at = performance.now();
      for (const waiter of this.#waiters) {
        const test = waiter.tests[0];
        if (test?.(key, value)) {
          waiter.tests.shift();
          waiter.times.push(at);
        }
        if (waiter.tests.length === 0 && (waiter.check?.() ?? true)) this.#settle(waiter, at);
      }
      return;
    }
    const at = performance.now();
    for (const waiter of this.#waiters) if (waiter.check?.()) this.#settle(waiter, at);
  }

  #settle(waiter: Waiter<T>, at: number): void {
    this.#waiters.delete(waiter);
    waiter.resolve(waiter.check ? [at] : waiter.times);
  }

  /** Objects seen whose key passes `filter`. */
  count(filter: (key: string) => boolean): number {
    let n = 0;
    for (const key of this.#objects.keys()) if (filter(key)) n++;
    return n;
  }

  /** The projection of `namespace/name`, if seen. */
  get(key: string): T | undefined {
    return this.#objects.get(key);
  }

  #wait(what: string, waiter: Omit<Waiter<T>, 'resolve' | 'times'>, timeoutMs: number): Promise<number[]> {
    return new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(entry);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const entry: Waiter<T> = {
        ...waiter,
        times: [],
        resolve: (times) => {
          clearTimeout(timer);
          resolve(times);
        },
      };
      this.#waiters.add(entry);
    });
  }

  /**
   * Resolves with the time (performance.now()) of the first event from now on at which `check()`
   * holds, or now when it already does.
   */
  until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
    if (check()) return Promise.resolve(performance.now());
    return this.#wait(what, { tests: [], check }, timeoutMs).then((times) => times[0] ?? Number.NaN);
  }

  /**
   * Resolves with the times of the events that passed `tests`, in order, each test passed by an
   * event after the one that passed the previous (e.g. "scaled to 4", then "back at 1"), all
   * events from now on.
   */
  events(what: string, tests: EventTest<T>[], timeoutMs: number): Promise<number[]> {
    if (tests.length === 0) throw new Error('events() needs at least one test');
    return this.#wait(what, { tests: [...tests], check: undefined }, timeoutMs);
  }

  /** Closes the watch. */
  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
  }
}
