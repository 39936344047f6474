// Remembers the webhook deliveries already handled, so that a replayed delivery (the same delivery
// id sent again, by an attacker who captured a signed request or by a sender's retry after our
// answer was lost) triggers nothing a second time. Bounded: the oldest ids are forgotten first.
import type { IncomingHttpHeaders } from 'node:http';
import { header } from './webhook-auth.ts';

/** How many delivery ids are remembered (an id is a few dozen bytes: ~1 MiB at most). */
export const DELIVERY_LOG_CAPACITY = 10_000;

/** The headers in which senders name a delivery: GitHub, Gitea, Gogs, GitLab, tagpilot's own scheme. */
const DELIVERY_HEADERS = [
  'x-github-delivery',
  'x-gitea-delivery',
  'x-gogs-delivery',
  'x-gitlab-event-uuid',
  'x-tagpilot-delivery',
] as const;

/**
 * The id of one delivery: a sender's delivery header, else the event ids of a distribution
 * notification envelope (distribution resends the same events with the same ids). Undefined when
 * the sender gives none (Docker Hub): such deliveries cannot be told apart and are never ignored.
 */
export function deliveryId(headers: IncomingHttpHeaders, body: unknown): string | undefined {
  for (const name of DELIVERY_HEADERS) {
    const value = header(headers, name);
    if (value !== undefined && value !== '') return `${name}:${value.slice(0, 200)}`;
  }
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0) return undefined;
  const ids = events.map((event) => (event as { id?: unknown } | null)?.id);
  if (!ids.every((id): id is string => typeof id === 'string' && id !== '')) return undefined;
  return `events:${ids.join(',').slice(0, 2000)}`;
}

/** A bounded set of delivery ids, oldest forgotten first. */
export class DeliveryLog {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = DELIVERY_LOG_CAPACITY) {
    this.#capacity = capacity;
  }

  /** True when `id` was recorded before. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Records a handled delivery. */
  record(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }
}
