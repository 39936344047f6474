/**
 * Keeps the set of workloads that HorizontalPodAutoscalers scale up to date while drift watching,
 * so an HPA created outside Git (or deleted) changes which replica counts tagpilot leaves alone
 * without waiting for the next sync.
 */
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.ts';
import type { Discovery } from '../kube/discovery.ts';
import type { ResourceInfo } from '../kube/types.ts';
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

/**
 * Watches of HorizontalPodAutoscalers in the namespaces of the applied workloads (namespace by
 * namespace, so a GitSync with rights in its own namespace only can read them) and the workloads
 * they target.
 */
export class HpaTracker {
  readonly #options: HpaTrackerOptions;
  readonly #watches = new Map<string, ResourceWatch>();
  #info: ResourceInfo | undefined | null = null;
  #targets: ReadonlySet<string> = new Set();

  constructor(options: HpaTrackerOptions) {
    this.#options = options;
  }

  /**
   * Watches HPAs (autoscaling/v2, else v1) in exactly these namespaces; resolves once each new
   * watch has listed or failed to.
   */
  async watch(namespaces: readonly string[]): Promise<void> {
    if (this.#info === null) {
      const { discovery } = this.#options;
      this.#info =
        (await discovery.find('autoscaling/v2', 'HorizontalPodAutoscaler')) ??
        (await discovery.find('autoscaling/v1', 'HorizontalPodAutoscaler'));
    }
    const info = this.#info;
    if (!info) return;
    const wanted = new Set(namespaces);
    for (const [namespace, watch] of this.#watches) {
      if (wanted.has(namespace)) continue;
      this.#watches.delete(namespace);
      await watch.stop();
    }
    const started: ResourceWatch[] = [];
    for (const namespace of wanted) {
      if (this.#watches.has(namespace)) continue;
      const watch = new ResourceWatch({
        client: this.#options.client,
        resource: info,
        namespace,
        logger: this.#options.logger,
        sleep: this.#options.sleep,
        reconnectDelay: this.#options.reconnectDelay,
        onEvent: () => this.#recompute(),
      });
      this.#watches.set(namespace, watch);
      watch.start();
      started.push(watch);
    }
    await Promise.all(started.map((watch) => watch.attempted));
    this.#recompute();
  }

  /** The workloads HPAs target right now. */
  targets(): ReadonlySet<string> {
    return this.#targets;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#watches.values()].map((watch) => watch.stop()));
    this.#watches.clear();
  }

  #recompute(): void {
    const next = hpaTargetsOf([...this.#watches.values()].flatMap((watch) => [...watch.store.values()]));
    if (next.size === this.#targets.size && [...next].every((t) => this.#targets.has(t))) return;
    this.#targets = next;
    this.#options.onChange(next);
  }
}
