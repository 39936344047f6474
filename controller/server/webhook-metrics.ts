// The webhook counter. It lives beside the routes because controller/metrics.ts is shared; it is
// registered on the controller's registry, so it is scraped from /metrics with everything else.
import { Counter, type Registry } from 'prom-client';

/** Labels of tagpilot_webhooks_total. */
export type WebhookLabel = 'hook' | 'source' | 'result';

/** `tagpilot_webhooks_total{hook, source, result}` on `registry`. */
export function createWebhookCounter(registry: Registry): Counter<WebhookLabel> {
  return new Counter({
    name: 'tagpilot_webhooks_total',
    help: 'Webhook requests by hook (registry, git), sender and result (triggered, unmatched, ignored, unauthorized, stale, bad_request, too_large, busy, duplicate, disabled, unavailable).',
    labelNames: ['hook', 'source', 'result'],
    registers: [registry],
  });
}
