/**
 * Keeps the set of workloads that HorizontalPodAutoscalers scale up to date while drift watching,
 * so an HPA created outside Git (or deleted) changes which replica counts tagpilot leaves alone
 * without waiting for the next sync.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.ts';
import type { Discovery } from '../kube/discovery.ts';
import { ResourceWatch } from '../kube/watch.ts';
import { hpaTargetsOf } from './ignore-rules.ts';

/** Options of the tracker. */
export interface HpaTrackerOptions {
  client: KubeClient;
  discovery: Discovery;
  logger: Logger;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  reconnectDelay?: ((failures: number) => number) | undefined;
  /** Called with the new targets (`namespace/Kind/name`) whenever they change. */
  onChange: (targets: ReadonlySet<string>) => void;
}

/** A cluster-wide watch of HorizontalPodAutoscalers and the workloads they target. */
export class HpaTracker {
  readonly #options: HpaTrackerOptions;
  #watch: ResourceWatch | undefined;
  #targets: ReadonlySet<string> = new Set();

  constructor(options: HpaTrackerOptions) {
    this.#options = options;
  }

  /** Starts watching (autoscaling/v2, else v1); resolves once the first list is in. */
  async start(): Promise<void> {
    if (this.#watch) return;
    const { discovery } = this.#options;
    const info =
      (await discovery.find('autoscaling/v2', 'HorizontalPodAutoscaler')) ??
      (await discovery.find('autoscaling/v1', 'HorizontalPodAutoscaler'));
    if (!info) return;
    const watch = new ResourceWatch({
      client: this.#options.client,
      resource: info,
      logger: this.#options.logger,
      sleep: this.#options.sleep,
      reconnectDelay: this.#options.reconnectDelay,
      onEvent: () => this.#recompute(),
    });
    this.#watch = watch;
    watch.start();
    await watch.attempted;
  }

  /** The workloads HPAs target right now. */
  targets(): ReadonlySet<string> {
    return this.#targets;
  }

  async stop(): Promise<void> {
    await this.#watch?.stop();
    this.#watch = undefined;
  }

  #recompute(): void {
    const next = hpaTargetsOf([...(this.#watch?.store.values() ?? [])]);
    if (next.size === this.#targets.size && [...next].every((t) => this.#targets.has(t))) return;
    this.#targets = next;
    this.#options.onChange(next);
  }
}
