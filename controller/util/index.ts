/** Small shared utilities with no dependencies of their own; any layer may import them. */
export {
  type BackoffOptions,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  retryDelayMs,
} from './backoff.ts';
export { KeyedMutex } from './keyed-mutex.ts';
export { mapLimit } from './map-limit.ts';
export { Semaphore } from './semaphore.ts';
