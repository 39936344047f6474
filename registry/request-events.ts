/**
 * What each registry exchange was, for metrics and `check-policy --explain-requests`: the host,
 * the kind of request, the status, and the rate-limit budget the registry announced. Docker Hub
 * sends `ratelimit-limit: 100;w=21600` and `ratelimit-remaining: 76;w=21600` on manifest requests
 * (docs.docker.com/docker-hub/usage/pulls/, "View pull rate and limit"); the IETF draft
 * "RateLimit header fields for HTTP" uses the same names.
 */

/** The parts of a response read here (transport.ts's HttpResponse fits). */
interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The kinds counted: tag lists, manifest HEADs and GETs, blob GETs (configs), everything else (token realm, `/v2/`, redirected blob storage). */
export type RegistryRequestKind = 'list' | 'head' | 'manifest' | 'blob' | 'other';

/** One answered exchange (each attempt of a retried request counts). */
export interface RegistryRequestEvent {
  /** `host[:port]` the request went to. */
  readonly host: string;
  readonly kind: RegistryRequestKind;
  readonly method: string;
  readonly status: number;
  /** `ratelimit-remaining` as a number, when the registry sent one. */
  readonly rateLimitRemaining: number | undefined;
  /** `ratelimit-limit` as a number, when the registry sent one. */
  readonly rateLimitLimit: number | undefined;
}

/** Receives every exchange; must not throw. */
export type RegistryRequestObserver = (event: RegistryRequestEvent) => void;

/** The kind of a registry request, from its method and path. */
export function requestKind(method: string, path: string): RegistryRequestKind {
  const bare = path.split('?')[0] ?? path;
  if (!bare.startsWith('/v2/')) return 'other';
  if (bare.endsWith('/tags/list')) return 'list';
  if (bare.includes('/manifests/')) return method === 'HEAD' ? 'head' : 'manifest';
  if (bare.includes('/blobs/') && method === 'GET') return 'blob';
  return 'other';
}

/** The leading integer of a rate-limit header (`76;w=21600` -> 76); undefined when absent or not a number. */
export function rateLimitValue(response: Answer, name: string): number | undefined {
  const value = response.headers[name];
  const raw = Array.isArray(value) ? value[0] : value;
  const match = raw === undefined ? null : /^\s*(\d+)/.exec(raw);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The event of one exchange. */
export function requestEvent(
  host: string,
  method: string,
  path: string,
  response: Answer,
): RegistryRequestEvent {
  return {
    host,
    kind: requestKind(method, path),
    method,
    status: response.status,
    rateLimitRemaining: rateLimitValue(response, 'ratelimit-remaining'),
    rateLimitLimit: rateLimitValue(response, 'ratelimit-limit'),
  };
}

/** Counts of requests by kind, e.g. for one CLI scan. */
export interface RequestCounts {
  total: number;
  byKind: Record<RegistryRequestKind, number>;
  /** The lowest `ratelimit-remaining` seen; undefined when none was sent. */
  rateLimitRemaining: number | undefined;
}

/** A counter to pass as `onRequest`, and what it counted so far. */
export function countRequests(): { observer: RegistryRequestObserver; counts: RequestCounts } {
  const counts: RequestCounts = {
    total: 0,
    byKind: { list: 0, head: 0, manifest: 0, blob: 0, other: 0 },
    rateLimitRemaining: undefined,
  };
  const observer: RegistryRequestObserver = (event) => {
    counts.total++;
    counts.byKind[event.kind]++;
    if (event.rateLimitRemaining !== undefined)
      counts.rateLimitRemaining = Math.min(counts.rateLimitRemaining ?? Infinity, event.rateLimitRemaining);
  };
  return { observer, counts };
}
