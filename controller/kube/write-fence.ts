/**
 * Who may write. A replica writes to the cluster and to Git only while it holds the leadership Lease
 * (see `runtime/leader-election.ts`); the Kubernetes client and the Git HTTP client ask this fence
 * before every write and hand its signal to the request, so a write in flight is cut off the moment
 * the fence closes.
 */

/** Whether this process may write (to the cluster, to Git) right now. */
export interface WriteFence {
  /** Throws a `WriteFencedError` when writing is not allowed now. `what` names the write. */
  check(what: string): void;
  /** Aborted once writing is no longer allowed; in-flight writes are cancelled with it. */
  readonly signal: AbortSignal;
}

/** A write refused (or cut off) because this replica no longer holds, or never held, its Lease. */
export class WriteFencedError extends Error {
  override readonly name = 'WriteFencedError';
  readonly code = 'FENCED';
  /** Retrying in this process cannot help: a replica that lost its Lease stops. */
  readonly retryable = false;
}
