// Metrics around the reconcilers' collaborators: reconcile counts and durations, tag listings per
// registry host and result, and every registry request by kind with the rate-limit headers seen.
import { isRegistryError, parseReference, type RegistryRequestEvent } from '../../registry/index.ts';
import type { Metrics } from '../metrics.ts';
import type { ScannerFactory } from './ports.ts';

/** Counts tag listings per registry host and result, and records the tag count per image. */
export function countedScanners(scanners: ScannerFactory, metrics: Metrics): ScannerFactory {
  const registryOf = (repository: string) => {
    try {
      return parseReference(repository).registry;
    } catch {
      return 'invalid';
    }
  };
  return (options) => {
    const scanner = scanners(options);
    return {
      ...scanner,
      listTags: async (repository) => {
        const registryHost = registryOf(repository);
        try {
          const tags = await scanner.listTags(repository);
          metrics.scans.inc({ registry: registryHost, result: 'success' });
          metrics.tagsPerImage.set({ image: repository }, tags.length);
          return tags;
        } catch (error) {
          const result = isRegistryError(error) ? error.code.toLowerCase() : 'error';
          metrics.scans.inc({ registry: registryHost, result });
          throw error;
        }
      },
    };
  };
}

/** Runs one reconcile, counting it by kind and result and timing it. */
export async function timed<T>(metrics: Metrics, kind: string, run: () => Promise<T>): Promise<T> {
  const end = metrics.reconcileSeconds.startTimer({ kind });
  try {
    const result = await run();
    metrics.reconciles.inc({ kind, result: 'success' });
    return result;
  } catch (error) {
    metrics.reconciles.inc({ kind, result: 'error' });
    throw error;
  } finally {
    end();
  }
}

/** Records one registry exchange (the RegistryClient's `onRequest`). */
export function recordRegistryRequest(metrics: Metrics, event: RegistryRequestEvent): void {
  metrics.registryRequests.inc({ registry: event.host, kind: event.kind, code: String(event.status) });
  if (event.rateLimitRemaining !== undefined)
    metrics.registryRateLimitRemaining.set({ registry: event.host }, event.rateLimitRemaining);
  if (event.rateLimitLimit !== undefined)
    metrics.registryRateLimitLimit.set({ registry: event.host }, event.rateLimitLimit);
}
