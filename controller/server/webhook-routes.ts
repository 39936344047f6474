// POST /hooks/registry and POST /hooks/git: verify the sender, read the event, trigger the
// matching ImagePolicies and GitSyncs at once. Without a configured secret both answer 404:
// an unsigned webhook is never accepted. Anyone on the network can reach these routes, so the
// order is: headers first (a request without a valid credential is refused before one byte of its
// body is read), then a bounded body (a size cap, and a cap on bodies buffered at once), then the
// signature over the body, then replays (a delivery id already handled triggers nothing).
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Counter } from 'prom-client';
import { MAX_WEBHOOK_BODY_BYTES } from '../config.ts';
import type { Logger } from '../logger.ts';
import { DeliveryLog, deliveryId } from './delivery-log.ts';
import { normalizeRepoUrl, parseGitEvent } from './git-events.ts';
import type { Route } from './http-server.ts';
import { BodyTooLargeError, readBody } from './read-body.ts';
import { parseRegistryEvent } from './registry-events.ts';
import { header, verifyWebhook, verifyWebhookHeaders } from './webhook-auth.ts';
import type { WebhookLabel } from './webhook-metrics.ts';
import {
  type Triggered,
  triggerGitPush,
  triggerImagePushes,
  type WebhookTargets,
} from './webhook-triggers.ts';

/** Bodies read at once; more signed requests wait for none and get 503 (bounds memory to cap × this). */
export const MAX_BODIES_IN_FLIGHT = 16;

/** Options of webhookRoutes. */
export interface WebhookRoutesOptions {
  /** Shared secret and HMAC key; undefined disables the hooks (they answer 404). */
  secret: string | undefined;
  targets: WebhookTargets;
  logger: Logger;
  /** tagpilot_webhooks_total, when metrics are wanted. */
  counter?: Counter<WebhookLabel>;
  /** Clock for timestamp checks (default Date.now). */
  now?: () => number;
  /** Body size cap (default MAX_WEBHOOK_BODY_BYTES). */
  maxBodyBytes?: number;
  /** Deliveries already handled (default: a new DeliveryLog). */
  deliveries?: DeliveryLog;
}

type Hook = 'registry' | 'git';

/** What handling one request came to: the HTTP answer and the metric labels. */
interface Outcome {
  status: number;
  source: string;
  result: string;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The two webhook routes, for startHttpServer's `routes`. */
export function webhookRoutes(options: WebhookRoutesOptions): Route[] {
  const shared: RouteState = {
    ...options,
    deliveries: options.deliveries ?? new DeliveryLog(),
    bodiesInFlight: 0,
  };
  return [route('/hooks/registry', 'registry', shared), route('/hooks/git', 'git', shared)];
}

/** The options plus what both routes share: the delivery log and the count of bodies being read. */
interface RouteState extends WebhookRoutesOptions {
  deliveries: DeliveryLog;
  bodiesInFlight: number;
}

function route(path: string, hook: Hook, options: RouteState): Route {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return false;
    const outcome = await handle(req, url, hook, options);
    options.counter?.inc({ hook, source: outcome.source, result: outcome.result });
    const log = { hook, source: outcome.source, result: outcome.result, status: outcome.status };
    if (outcome.status === 202) options.logger.info({ ...log, ...outcome.body }, 'webhook triggered');
    else if (outcome.status === 401) {
      options.logger.warn(
        { ...log, remote: req.socket.remoteAddress, why: outcome.body.error },
        'webhook refused',
      );
    } else
      options.logger.debug({ ...log, why: outcome.body.error ?? outcome.body.ignored }, 'webhook handled');
    res.writeHead(outcome.status, { 'content-type': 'application/json', ...outcome.headers });
    // A refusal before the body was read: once the answer is out, drop the connection instead of
    // reading (and discarding) the rest of an upload nobody asked for.
    if (outcome.headers?.connection === 'close') res.once('finish', () => req.socket.destroy());
    res.end(`${JSON.stringify(outcome.body)}\n`);
    return true;
  };
}

async function handle(req: IncomingMessage, url: URL, hook: Hook, options: RouteState): Promise<Outcome> {
  const guessed = senderFromHeaders(req.headers);
  const fail = (
    status: number,
    result: string,
    error: string,
    headers?: Record<string, string>,
  ): Outcome => ({
    status,
    source: guessed,
    result,
    body: { error },
    ...(headers ? { headers } : {}),
  });
  // Every answer before the body is read closes the connection: the unread body is not drained.
  const close = { connection: 'close' };
  if (options.secret === undefined) {
    return fail(404, 'disabled', 'webhooks are disabled: the controller has no --webhook-secret-file', close);
  }
  if (req.method !== 'POST') return fail(405, 'bad_request', 'use POST', { allow: 'POST', ...close });
  const request = { headers: req.headers, query: url.searchParams };
  const early = verifyWebhookHeaders(request, options.secret, options.now);
  if (!early.ok) return fail(401, early.reason === 'stale' ? 'stale' : 'unauthorized', early.message, close);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
  if (options.bodiesInFlight >= MAX_BODIES_IN_FLIGHT) {
    return fail(503, 'busy', `${MAX_BODIES_IN_FLIGHT} webhook bodies are being read; retry`, {
      'retry-after': '1',
      ...close,
    });
  }
  let body: Buffer;
  options.bodiesInFlight++;
  try {
    body = await readBody(req, maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return fail(413, 'too_large', error.message, close);
  } finally {
    options.bodiesInFlight--;
  }
  if (early.needsBody) {
    const verdict = verifyWebhook({ ...request, body }, options.secret, options.now);
    if (!verdict.ok) return fail(401, verdict.reason === 'stale' ? 'stale' : 'unauthorized', verdict.message);
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return fail(400, 'bad_request', `the body is not JSON: ${(error as Error).message}`);
  }
  const delivery = deliveryId(req.headers, json);
  if (delivery !== undefined && options.deliveries.has(delivery)) {
    return {
      status: 200,
      source: guessed,
      result: 'duplicate',
      body: { ignored: `delivery ${delivery} was handled already` },
    };
  }
  const outcome =
    hook === 'registry'
      ? onRegistryEvent(req.headers, json, options)
      : onGitEvent(req.headers, json, options);
  // Only a delivery that did its work is remembered: one answered 503 (not the leader) may come again.
  if (delivery !== undefined && outcome.status === 202) options.deliveries.record(delivery);
  return outcome;
}

function onRegistryEvent(
  headers: IncomingHttpHeaders,
  json: unknown,
  options: WebhookRoutesOptions,
): Outcome {
  const event = parseRegistryEvent(headers, json);
  if (event.kind !== 'push') return notAPush(event);
  if (!options.targets.ready()) return unavailable(event.source);
  const triggered = triggerImagePushes(options.targets, event.images);
  const images = event.images.map((image) => `${image.registry ?? '*'}/${image.repository}:${image.tag}`);
  return accepted(event.source, { images }, triggered);
}

function onGitEvent(headers: IncomingHttpHeaders, json: unknown, options: WebhookRoutesOptions): Outcome {
  const event = parseGitEvent(headers, json);
  if (event.kind !== 'push') return notAPush(event);
  if (!options.targets.ready()) return unavailable(event.source);
  const triggered = triggerGitPush(options.targets, event, normalizeRepoUrl);
  return accepted(event.source, { repositories: event.repositories, branch: event.branch }, triggered);
}

function notAPush(
  event:
    | { kind: 'ignored'; source: string; reason: string }
    | { kind: 'invalid'; source: string; message: string },
): Outcome {
  if (event.kind === 'invalid') {
    return { status: 400, source: event.source, result: 'bad_request', body: { error: event.message } };
  }
  return { status: 200, source: event.source, result: 'ignored', body: { ignored: event.reason } };
}

function unavailable(source: string): Outcome {
  // Not leading (or caches still loading): a retrying sender reaches the leader or a ready cache later.
  return {
    status: 503,
    source,
    result: 'unavailable',
    body: { error: 'this replica is not reconciling yet (not the leader, or caches not synced)' },
    headers: { 'retry-after': '5' },
  };
}

function accepted(source: string, event: Record<string, unknown>, triggered: Triggered): Outcome {
  const count = triggered.gitSyncs.length + triggered.imagePolicies.length;
  return {
    status: 202,
    source,
    result: count > 0 ? 'triggered' : 'unmatched',
    body: { source, ...event, triggered },
  };
}

/** The sender as far as the headers tell, for metrics of requests refused before the body is read. */
function senderFromHeaders(headers: IncomingHttpHeaders): string {
  if (header(headers, 'x-gitea-event') !== undefined) return 'gitea';
  if (header(headers, 'x-gogs-event') !== undefined) return 'gogs';
  if (header(headers, 'x-gitlab-event') !== undefined || header(headers, 'x-gitlab-token') !== undefined)
    return 'gitlab';
  if (header(headers, 'x-github-event') !== undefined) return 'github';
  return 'unknown';
}
