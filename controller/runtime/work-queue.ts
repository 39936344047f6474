// A work queue in the shape of client-go's: a key is queued at most once, a key being processed
// is never processed twice at the same time (a change that arrives meanwhile re-queues it once
// the current run ends), failures are retried with per-key exponential backoff, and at most
// `concurrency` keys are processed at once.

/** What a reconcile asks of the queue after a successful run. */
export interface ReconcileOutcome {
  /** Process the key again after this many milliseconds (e.g. the next scan interval). */
  requeueAfterMs?: number;
}

/** Options for WorkQueue. */
export interface WorkQueueOptions {
  /** Keys processed at once (default 4). */
  concurrency?: number;
  /** The reconcile function; a throw counts as a failure and is retried with backoff. */
  process: (key: string) => Promise<ReconcileOutcome | undefined>;
  /** Delay before retry number `failures` (1-based); default 1s·2^(n-1) capped at 5m. */
  backoff?: (failures: number) => number;
  /** Called with every failure, for logging and metrics. */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
}

/** Default retry delay: 1s, 2s, 4s, … capped at 5 minutes. */
export function defaultBackoff(failures: number): number {
  return Math.min(1000 * 2 ** Math.max(0, failures - 1), 300_000);
}

/** A de-duplicating, rate-limited work queue. */
export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #options: Required<Omit<WorkQueueOptions, 'onError'>> & Pick<WorkQueueOptions, 'onError'>;
  readonly #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    this.#options = { concurrency: 4, backoff: defaultBackoff, ...options };
  }

  /** Queues `key` now (no-op when it is already queued). */
  add(key: string): void {
    if (this.#stopped) return;
    this.#clearTimer(key);
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#pump();
  }

  /** Queues `key` after `delayMs`; an earlier pending add for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Forgets a key: pending retries and timers are dropped (e.g. the object was deleted). */
  forget(key: string): void {
    this.#clearTimer(key);
    this.#failures.delete(key);
  }

  /** Keys waiting to be processed. */
  get length(): number {
    return this.#queue.length;
  }

  /** Resolves when nothing is queued or being processed. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking work and waits for the runs in progress to end. */
  async shutdown(): Promise<void> {
    this.#stopped = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    await this.idle();
  }

  #clearTimer(key: string): void {
    const existing = this.#timers.get(key);
    if (!existing) return;
    clearTimeout(existing.timer);
    this.#timers.delete(key);
  }

  #pump(): void {
    while (!this.#stopped && this.#processing.size < this.#options.concurrency && this.#queue.length > 0) {
      const key = this.#queue.shift();
      if (key === undefined) break;
      this.#queued.delete(key);
      this.#processing.add(key);
      void this.#run(key);
    }
    if (this.#queue.length === 0 && this.#processing.size === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  async #run(key: string): Promise<void> {
    try {
      const outcome = await this.#options.process(key);
      this.#failures.delete(key);
      if (outcome?.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
    } catch (error) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = this.#options.backoff(failures);
      this.#options.onError?.(key, error, delay);
      this.addAfter(key, delay);
    } finally {
      this.#processing.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
    }
  }
}
