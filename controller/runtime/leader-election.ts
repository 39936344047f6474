// Leader election on a coordination.k8s.io/v1 Lease, fenced so that two replicas never write at once
// and no decision compares two machines' clocks:
//
// 1. The leader renews the Lease every `retryPeriod`. It notes, on its own monotonic clock, when it
//    SENT each renew that then succeeded. Writes are allowed (the fence is open) only while less than
//    `renewDeadline` has passed since that moment; then the fence closes, writes in flight are cut off
//    (their AbortSignal fires), the replica stops leading and the process exits.
// 2. A standby takes the Lease over only after it has watched the Lease stay unchanged (same
//    resourceVersion) for a full `leaseDuration` on ITS monotonic clock. Its clock starts no earlier
//    than the leader's last successful renew reached the server, which is after the leader sent it;
//    so the leader's fence closed at least `leaseDuration − renewDeadline` (the safety margin, 5 s by
//    default) before the standby can lead. `renewTime` in the Lease is written for people and kubectl
//    only; no replica compares it with its own clock.
// 3. Lease requests time out (`attemptTimeoutMs`), so an API server that hangs cannot hold a leader's
//    loop; the fence does not depend on the loop anyway (it checks the time on every write).
// 4. Lease requests go through a view of the controller's one KubeClient (same connections): not
//    fenced (a standby must write the Lease to lead), not impersonated, not retried (the loop retries),
//    and with an in-flight limit of their own so a renew never waits behind reconcile traffic.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';
import { type WriteFence, WriteFencedError } from '../kube/write-fence.ts';

/** Options for LeaderElector. */
export interface LeaderElectionOptions {
  /** The controller's client; the Lease is read and written through an unfenced view of it (rule 4). */
  client: KubeClient;
  /** Lease namespace and name, e.g. tagpilot-system/tagpilot-leader. */
  namespace: string;
  name: string;
  /** This replica's identity (default: hostname + random suffix, set by config). */
  identity: string;
  /** Seconds a standby waits, watching the Lease unchanged, before it takes over (default 15). */
  leaseDurationSeconds?: number;
  /** The leader stops writing this long after it sent its last successful renew (default 10 s; must be < the lease duration). */
  renewDeadlineMs?: number;
  /** Time between attempts (default 2 s). */
  retryPeriodMs?: number;
  /** Timeout of each Lease request (default: the retry period, at least 1 s). */
  attemptTimeoutMs?: number;
  /** Wall clock, only for the `acquireTime`/`renewTime` written into the Lease. Default `new Date()`. */
  now?: () => Date;
  /** Monotonic clock in milliseconds, for every expiry decision. Default `performance.now`. */
  monotonic?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  /** Called with errors talking to the API server (logged by the caller). */
  onError?: (error: unknown) => void;
}

interface Lease {
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
  [key: string]: unknown;
}

async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

function microTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '000Z');
}

/** Runs the election loop until stop() is called or leadership is lost; `fence` guards every write. */
export class LeaderElector {
  readonly #client: KubeClient;
  readonly #options: LeaderElectionOptions;
  readonly #abort = new AbortController();
  readonly #now: () => Date;
  readonly #monotonic: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly #durationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #attemptTimeoutMs: number;
  readonly #term = new AbortController();
  #leading = false;
  #lost = false;
  /** Monotonic time at which the last successful acquire/renew was sent. */
  #renewSentAt = Number.NEGATIVE_INFINITY;
  /** The Lease as last seen, and when (monotonic) it was first seen in that version. */
  #observed: { resourceVersion: string; at: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> | undefined;

  /** Open while this replica leads and its last renew is recent enough; see the rules at the top. */
  readonly fence: WriteFence;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#monotonic = options.monotonic ?? (() => performance.now());
    this.#sleep = options.sleep ?? abortableSleep;
    this.#durationMs = (options.leaseDurationSeconds ?? 15) * 1000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    if (this.#renewDeadlineMs >= this.#durationMs) {
      throw new Error('leader election: renewDeadline must be shorter than the lease duration');
    }
    const retry = options.retryPeriodMs ?? 2000;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? Math.max(1000, retry);
    this.#client = options.client.view({
      fence: null,
      impersonate: null,
      requestTimeoutMs: this.#attemptTimeoutMs,
      retry: { maxAttempts: 1 },
      maxInFlight: 2,
    });
    this.fence = {
      check: (what) => this.#check(what),
      signal: this.#term.signal,
    };
  }

  /** True once this replica has read the Lease (or created it): it can reach the API server. */
  get hasSeenLease(): boolean {
    return this.#observed !== undefined || this.#leading;
  }

  /** True while this replica holds the lease and may write. */
  get isLeader(): boolean {
    return this.#leading && this.#mayWrite();
  }

  /** Starts campaigning in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops campaigning; a leader closes its fence, then releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    const wasLeading = this.#leading && !this.#lost;
    this.#closeFence('stopped');
    if (wasLeading) await this.#release().catch((error: unknown) => this.#options.onError?.(error));
    await this.#client.close();
  }

  #mayWrite(): boolean {
    return this.#leading && !this.#lost && this.#monotonic() - this.#renewSentAt < this.#renewDeadlineMs;
  }

  #check(what: string): void {
    if (this.#mayWrite()) return;
    const reason = this.#leading
      ? `the leadership lease was not renewed for ${this.#renewDeadlineMs} ms`
      : 'this replica does not hold the leadership lease';
    throw new WriteFencedError(`${what}: refused: ${reason}`);
  }

  async #run(): Promise<void> {
    const retry = this.#options.retryPeriodMs ?? 2000;
    while (!this.#abort.signal.aborted && !this.#lost) {
      const sent = this.#monotonic();
      // The attempt counts from before its read: the fence never outlives what the server saw.
      const ok = await this.#tryAcquireOrRenew().catch((error: unknown) => {
        this.#options.onError?.(error);
        return false;
      });
      if (this.#abort.signal.aborted || this.#lost) break;
      if (ok) this.#renewed(sent);
      else if (this.#leading && !this.#mayWrite()) this.#loseLeadership();
      await this.#sleep(retry, this.#abort.signal);
    }
  }

  #renewed(sent: number): void {
    this.#renewSentAt = Math.max(this.#renewSentAt, sent);
    clearTimeout(this.#timer);
    // The fence closes by itself at the deadline, even when the loop hangs on the API server.
    const left = this.#renewSentAt + this.#renewDeadlineMs - this.#monotonic();
    this.#timer = setTimeout(
      () => {
        if (!this.#mayWrite()) this.#loseLeadership();
      },
      Math.max(0, left),
    );
    this.#timer.unref();
    if (!this.#leading) {
      this.#leading = true;
      this.#options.onStartedLeading();
    }
  }

  #loseLeadership(): void {
    if (this.#lost) return;
    this.#closeFence(`the leadership lease was not renewed for ${this.#renewDeadlineMs} ms`);
    this.#leading = false;
    this.#options.onStoppedLeading();
  }

  #closeFence(why: string): void {
    this.#lost = true;
    clearTimeout(this.#timer);
    if (!this.#term.signal.aborted) this.#term.abort(new WriteFencedError(`writes stopped: ${why}`));
  }

  #path(withName: boolean): string {
    const { namespace, name } = this.#options;
    const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
    return withName ? `${base}/${encodeURIComponent(name)}` : base;
  }

  /** Reads the Lease; undefined when there is none. */
  async #read(): Promise<Lease | undefined> {
    try {
      return (await this.#client.request({
        method: 'GET',
        path: this.#path(true),
        signal: AbortSignal.timeout(this.#attemptTimeoutMs),
        what: 'read the leadership lease',
      })) as Lease;
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** One attempt: create, renew, or take over the lease. True when we hold it afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.#options;
    const duration = this.#durationMs / 1000;
    const now = microTime(this.#now());
    const lease = await this.#read();
    if (lease === undefined) {
      return this.#write('POST', this.#path(false), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: duration,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
      });
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const expired = this.#observedUnchanged(lease) >= (spec.leaseDurationSeconds ?? duration) * 1000;
    if (holder !== identity && holder !== '' && !expired) return false;
    const takeover = holder !== identity;
    const body: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: duration,
        renewTime: now,
        ...(takeover ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
      },
    };
    // The PUT carries metadata.resourceVersion: if another replica wrote first, we get a 409.
    return this.#write('PUT', this.#path(true), body);
  }

  /** How long (monotonic ms) this replica has seen the Lease unchanged. */
  #observedUnchanged(lease: Lease): number {
    const resourceVersion = lease.metadata.resourceVersion ?? '';
    if (this.#observed?.resourceVersion !== resourceVersion) {
      // Counted from when the answer arrived, which is after the holder's renew reached the server.
      this.#observed = { resourceVersion, at: this.#monotonic() };
    }
    return this.#monotonic() - this.#observed.at;
  }

  async #write(method: 'POST' | 'PUT', path: string, body: Lease): Promise<boolean> {
    try {
      await this.#client.request({
        method,
        path,
        body,
        signal: AbortSignal.timeout(this.#attemptTimeoutMs),
        what: 'write the leadership lease',
      });
      return true;
    } catch (error) {
      if (isKubeError(error, 'Conflict') || isKubeError(error, 'AlreadyExists')) return false;
      throw error;
    }
  }

  async #release(): Promise<void> {
    const lease = await this.#read();
    if (lease?.spec?.holderIdentity !== this.#options.identity) return;
    const body: Lease = { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } };
    await this.#write('PUT', this.#path(true), body);
  }
}
