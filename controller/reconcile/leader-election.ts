// Leader election on a coordination.k8s.io/v1 Lease, the protocol client-go uses: the holder
// renews the lease every `retryPeriod`; a candidate takes it over when it has not been renewed
// for `leaseDuration`; a leader that cannot renew for `renewDeadline` stops leading (and the
// process exits, so it can never write while another replica leads).
import { CoordinationV1Api, type KubeConfig, type V1Lease, V1MicroTime } from '@kubernetes/client-node';

/** Options for LeaderElector. */
export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  /** Lease namespace and name, e.g. tagpilot-system/tagpilot-leader. */
  namespace: string;
  name: string;
  /** This replica's identity (default: hostname + random suffix, set by config). */
  identity: string;
  /** Seconds a lease is valid without renewal (default 15). */
  leaseDurationSeconds?: number;
  /** A leader gives up when it could not renew for this long (default 10 s). */
  renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  retryPeriodMs?: number;
  now?: () => Date;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  /** Called with errors talking to the API server (logged by the caller). */
  onError?: (error: unknown) => void;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Runs the election loop until stop() is called or leadership is lost. */
export class LeaderElector {
  readonly #api: CoordinationV1Api;
  readonly #options: LeaderElectionOptions;
  readonly #abort = new AbortController();
  readonly #now: () => Date;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  #leading = false;
  #loop: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.#now = options.now ?? (() => new Date());
    this.#sleep = options.sleep ?? abortableSleep;
  }

  /** True while this replica holds the lease. */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** Starts campaigning in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops campaigning; a leader releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    if (this.#leading) {
      this.#leading = false;
      await this.#release().catch((error: unknown) => this.#options.onError?.(error));
    }
  }

  async #run(): Promise<void> {
    const retry = this.#options.retryPeriodMs ?? 2000;
    const deadline = this.#options.renewDeadlineMs ?? 10_000;
    let lastRenew = 0;
    while (!this.#abort.signal.aborted) {
      const ok = await this.#tryAcquireOrRenew().catch((error: unknown) => {
        this.#options.onError?.(error);
        return false;
      });
      if (this.#abort.signal.aborted) break;
      const now = this.#now().getTime();
      if (ok) {
        lastRenew = now;
        if (!this.#leading) {
          this.#leading = true;
          this.#options.onStartedLeading();
        }
      } else if (this.#leading && now - lastRenew >= deadline) {
        this.#leading = false;
        this.#options.onStoppedLeading();
        return;
      }
      await this.#sleep(retry, this.#abort.signal);
    }
  }

  /** One attempt: create, renew, or take over the lease. True when we hold it afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.#options;
    const duration = this.#options.leaseDurationSeconds ?? 15;
    const now = new V1MicroTime(this.#now().getTime());
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
      const created: V1Lease = {
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: duration,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
      };
      return this.#write(() => this.#api.createNamespacedLease({ namespace, body: created }));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? duration) * 1000 < now.getTime();
    if (holder !== identity && holder !== '' && !expired) return false;
    const takeover = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      renewTime: now,
      ...(takeover ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    // replace carries metadata.resourceVersion: if another replica wrote first, we get a 409.
    return this.#write(() => this.#api.replaceNamespacedLease({ name, namespace, body: lease }));
  }

  async #write(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (httpStatus(error) === 409) return false;
      throw error;
    }
  }

  async #release(): Promise<void> {
    const { namespace, name, identity } = this.#options;
    const lease = await this.#api.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) return;
    lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
    await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
  }
}
