// The controller's Prometheus metrics, on a registry of its own (no global default registry).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the controller exports. */
export interface Metrics {
  registry: Registry;
  reconciles: Counter<'kind' | 'result'>;
  reconcileSeconds: Histogram<'kind'>;
  scans: Counter<'registry' | 'result'>;
  tagsPerImage: Gauge<'image'>;
  registryRequests: Counter<'registry' | 'kind' | 'code'>;
  registryRateLimitRemaining: Gauge<'registry'>;
  registryRateLimitLimit: Gauge<'registry'>;
  commits: Counter<'gitsync'>;
  pushRetries: Counter<'gitsync'>;
  syncSeconds: Histogram<'gitsync'>;
  objectsApplied: Counter<'gitsync' | 'action'>;
  driftReverts: Counter<'kind' | 'manager'>;
  driftFights: Counter<'kind'>;
  queueDepth: Gauge<'queue'>;
  leader: Gauge;
  unownedObjects: Gauge<'kind' | 'shard_key'>;
}

/**
 * Creates the metrics on a fresh registry (with Node process metrics). A shard's metrics all carry
 * `shard="<key>"`, so that dashboards can tell shards apart (default: no such label, unsharded).
 */
export function createMetrics(options: { shard?: string | undefined } = {}): Metrics {
  const registry = new Registry();
  if (options.shard !== undefined) registry.setDefaultLabels({ shard: options.shard });
  collectDefaultMetrics({ register: registry, prefix: 'tagpilot_' });
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({
      name: 'tagpilot_reconciles_total',
      help: 'Reconciles by kind and result.',
      labelNames: ['kind', 'result'],
      registers,
    }),
    reconcileSeconds: new Histogram({
      name: 'tagpilot_reconcile_duration_seconds',
      help: 'Reconcile duration.',
      labelNames: ['kind'],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'tagpilot_queue_depth',
      help: 'Keys waiting in a work queue.',
      labelNames: ['queue'],
      registers,
    }),
    leader: new Gauge({ name: 'tagpilot_leader', help: '1 while this replica leads.', registers }),
    unownedObjects: new Gauge({
      name: 'tagpilot_unowned_objects',
      help: 'GitSyncs and ImagePolicies labelled with a shard key that no controller runs (past the grace period); set by the unsharded leader.',
      labelNames: ['kind', 'shard_key'],
      registers,
    }),
    ...registryMetrics(registers),
    ...gitSyncMetrics(registers),
  };
}

/** Registry scans and requests, and the rate limits registries announce. */
function registryMetrics(
  registers: Registry[],
): Pick<
  Metrics,
  'scans' | 'tagsPerImage' | 'registryRequests' | 'registryRateLimitRemaining' | 'registryRateLimitLimit'
> {
  return {
    scans: new Counter({
      name: 'tagpilot_registry_scans_total',
      help: 'Registry scans by registry host and result.',
      labelNames: ['registry', 'result'],
      registers,
    }),
    tagsPerImage: new Gauge({
      name: 'tagpilot_image_tags',
      help: 'Tags seen in an image repository at its last scan.',
      labelNames: ['image'],
      registers,
    }),
    registryRequests: new Counter({
      name: 'tagpilot_registry_requests_total',
      help: 'Registry requests answered, by host, kind (list, head, manifest, blob, other) and status code.',
      labelNames: ['registry', 'kind', 'code'],
      registers,
    }),
    registryRateLimitRemaining: new Gauge({
      name: 'tagpilot_registry_ratelimit_remaining',
      help: 'The last ratelimit-remaining header a registry host sent (Docker Hub: pulls left in the window).',
      labelNames: ['registry'],
      registers,
    }),
    registryRateLimitLimit: new Gauge({
      name: 'tagpilot_registry_ratelimit_limit',
      help: 'The last ratelimit-limit header a registry host sent.',
      labelNames: ['registry'],
      registers,
    }),
  };
}

/** Commits, syncs and drift of GitSyncs. */
function gitSyncMetrics(
  registers: Registry[],
): Pick<
  Metrics,
  'commits' | 'pushRetries' | 'syncSeconds' | 'objectsApplied' | 'driftReverts' | 'driftFights'
> {
  return {
    commits: new Counter({
      name: 'tagpilot_automation_commits_total',
      help: 'Automated commits pushed.',
      labelNames: ['gitsync'],
      registers,
    }),
    pushRetries: new Counter({
      name: 'tagpilot_push_retries_total',
      help: 'Pushes retried after a rejection.',
      labelNames: ['gitsync'],
      registers,
    }),
    syncSeconds: new Histogram({
      name: 'tagpilot_sync_duration_seconds',
      help: 'Full sync duration.',
      labelNames: ['gitsync'],
      registers,
    }),
    objectsApplied: new Counter({
      name: 'tagpilot_objects_total',
      help: 'Objects by sync action (created, configured, pruned, failed).',
      labelNames: ['gitsync', 'action'],
      registers,
    }),
    driftReverts: new Counter({
      name: 'tagpilot_drift_reverts_total',
      help: 'Drift reverts by kind and the field manager that drifted.',
      labelNames: ['kind', 'manager'],
      registers,
    }),
    driftFights: new Counter({
      name: 'tagpilot_drift_fights_total',
      help: 'Drift fights detected.',
      labelNames: ['kind'],
      registers,
    }),
  };
}
