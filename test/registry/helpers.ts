// Helpers for the registry client's integration tests: reading the real registry's access log
// reliably (it is written asynchronously) and counting the requests a scan made.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RegistryStack } from '../support/registry.ts';

/**
 * The access-log lines of every request completed so far: sends a marker request and waits (with
 * a deadline) until the registry has logged it, so no earlier request can still be missing.
 */
export async function settledRequests(registry: RegistryStack): Promise<string[]> {
  const marker = `/v2/log-barrier-${randomUUID()}/tags/list`;
  const response = await fetch(`${registry.url}${marker}`);
  await response.body?.cancel();
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = registry.requests();
    const at = lines.findIndex((line) => line.includes(marker));
    if (at !== -1) return lines.slice(0, at).filter((line) => !line.includes('/log-barrier-'));
    if (Date.now() > deadline) throw new Error(`registry never logged ${marker}`);
    await sleep(20);
  }
}

/** Counts requests made between two settled snapshots, by kind. */
export function requestsBetween(before: readonly string[], after: readonly string[], repository: string) {
  const lines = after.slice(before.length);
  const prefix = `/v2/${repository}/`;
  const count = (re: RegExp) => lines.filter((line) => line.includes(prefix) && re.test(line)).length;
  return {
    lines,
    manifestGets: count(/^GET \S+\/manifests\//),
    manifestHeads: count(/^HEAD \S+\/manifests\//),
    blobGets: count(/^GET \S+\/blobs\//),
    tagLists: count(/^GET \S+\/tags\/list/),
    unauthorized: lines.filter((line) => line.endsWith(' 401')).length,
  };
}

/** A settable clock for cache-expiry tests (the client's `now`). */
export function manualClock(start = Date.now()) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}
