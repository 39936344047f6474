// The unsharded leader's periodic check for labelled objects whose shard no controller runs
// (docs/sharding.md "Caveats"; the decisions are in unowned-shards.ts). Each check lists the
// GitSyncs and ImagePolicies that carry `sharding.tagpilot.io/key` as metadata only (nothing is kept
// after the check), reads the Lease of each distinct key, and reports: one Warning Event
// `ShardNotRunning` per object per episode, the gauge `tagpilot_unowned_objects`, one log line per
// episode. It never writes the objects' status: another shard owns it. A check that cannot list
// changes nothing.
import { SHARD_LABEL, shardKeyProblem, shardLeaseName, shardLeaseProblem } from '../api/sharding.ts';
import { API_VERSION, GROUP, VERSION } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';
import { isRecord } from '../kube/types.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { mapLimit } from '../util/index.ts';
import type { EventSink } from './ports.ts';
import {
  type LabelledObject,
  type LeaseView,
  type ShardState,
  shardState,
  UnownedShardEpisodes,
} from './unowned-shards.ts';

/** Default time between checks (60 s, `--unowned-check-period`). */
export const DEFAULT_UNOWNED_CHECK_PERIOD_MS = 60_000;
/** Default time a shard must be seen without a live holder before its objects are reported (2 min, `--unowned-grace`). */
export const DEFAULT_UNOWNED_GRACE_MS = 120_000;

/** Options of UnownedShardCheck. */
export interface UnownedShardCheckOptions {
  client: KubeClient;
  events: EventSink;
  logger: Logger;
  metrics: Pick<Metrics, 'unownedObjects'>;
  /** Namespace of the shards' Leases (the leader election namespace). */
  leaseNamespace: string;
  /** `--leader-election-id`: a shard's Lease is `<leaseId>-<key>`. */
  leaseId: string;
  /** Only this namespace's objects (`--namespace`); default all. */
  namespace?: string | undefined;
  /** Time between checks. Default 60 s. */
  periodMs?: number;
  /** Delay of the first check after start. Default 5 s (the Leases of shards started with us get written). */
  firstCheckMs?: number;
  /** Grace period of an episode. Default 2 min. */
  graceMs?: number;
  /** Wall clock (Lease expiry). Default `Date.now`. */
  now?: () => number;
  /** Monotonic clock (grace periods). Default `performance.now`. */
  monotonic?: () => number;
}

const KINDS = [
  { kind: 'GitSync', resource: 'gitsyncs' },
  { kind: 'ImagePolicy', resource: 'imagepolicies' },
] as const;

/** Runs the check every period while started (the unsharded controller's leader starts it). */
export class UnownedShardCheck {
  readonly #options: UnownedShardCheckOptions;
  readonly #client: KubeClient;
  #episodes: UnownedShardEpisodes;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: UnownedShardCheckOptions) {
    this.#options = options;
    // Reads only; a slow API server must not hold a check for long.
    this.#client = options.client.view({ requestTimeoutMs: 10_000, retry: { maxAttempts: 2 } });
    this.#episodes = new UnownedShardEpisodes({ graceMs: options.graceMs ?? DEFAULT_UNOWNED_GRACE_MS });
  }

  /** Starts checking: once after `firstCheckMs`, then every `periodMs`. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#stopped = false;
    this.#schedule(this.#options.firstCheckMs ?? 5000);
  }

  /** Stops checking and waits for a check in flight; the gauge is cleared (a standby reports nothing). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    this.#options.metrics.unownedObjects.reset();
    this.#episodes = new UnownedShardEpisodes({ graceMs: this.#options.graceMs ?? DEFAULT_UNOWNED_GRACE_MS });
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      // A bug in a check must not end the process: it is logged, and the next check runs.
      this.#running = this.check()
        .catch((error: unknown) => this.#options.logger.error({ err: error }, 'unowned shard check failed'))
        .finally(() => this.#schedule(this.#options.periodMs ?? DEFAULT_UNOWNED_CHECK_PERIOD_MS));
    }, ms);
    this.#timer.unref();
  }

  /** One check; errors are logged, and change nothing. */
  async check(): Promise<void> {
    const { logger, metrics } = this.#options;
    const at = this.#options.monotonic ? this.#options.monotonic() : performance.now();
    let objects: LabelledObject[];
    try {
      objects = await this.#listLabelled();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'unowned shard check: cannot list labelled objects');
      return;
    }
    const states = await this.#shardStates(new Set(objects.map((object) => object.shardKey)));
    if (this.#stopped) return;
    const outcome = this.#episodes.observe(at, objects, states);
    for (const started of outcome.started) {
      logger.warn(
        { shardKey: started.shardKey, objects: started.objects, why: started.why },
        'objects of a shard no controller runs are not reconciled',
      );
    }
    for (const shardKey of outcome.ended)
      logger.info(
        { shardKey },
        'shard runs again (or no object names it): unowned objects no longer reported',
      );
    metrics.unownedObjects.reset();
    for (const { kind, shardKey, count } of outcome.counts)
      metrics.unownedObjects.set({ kind, shard_key: shardKey }, count);
    logger.debug(
      { labelled: objects.length, shardKeys: states.size, reports: outcome.reports.length },
      'unowned shard check done',
    );
    // A few at a time: a shard with thousands of objects must not hold a check (and stop()) for long.
    await mapLimit(outcome.reports, 4, ({ object, note }) =>
      this.#options.events.record({
        regarding: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.name,
          namespace: object.namespace,
          uid: object.uid,
        },
        type: 'Warning',
        reason: 'ShardNotRunning',
        action: 'CheckShard',
        note,
      }),
    );
  }

  /** Every GitSync and ImagePolicy carrying the shard label, as metadata only. */
  async #listLabelled(): Promise<LabelledObject[]> {
    const objects: LabelledObject[] = [];
    for (const { kind, resource } of KINDS) {
      let token: string | undefined;
      do {
        const list = await this.#client.request({
          method: 'GET',
          path: listPath(resource, this.#options.namespace),
          query: { labelSelector: SHARD_LABEL, limit: 500, continue: token },
          accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
          what: `list labelled ${resource}`,
        });
        const page = parseMetadataList(list, resource);
        for (const item of page.items) objects.push({ kind, apiVersion: API_VERSION, ...item });
        token = page.continue;
      } while (token);
    }
    return objects;
  }

  /** The state of each key: the Lease read once per key, per check. */
  async #shardStates(keys: Set<string>): Promise<Map<string, ShardState>> {
    const { leaseNamespace, leaseId, logger } = this.#options;
    const nowMs = (this.#options.now ?? Date.now)();
    const states = new Map<string, ShardState>();
    for (const shardKey of keys) {
      const canRun =
        shardKeyProblem(shardKey) === undefined && shardLeaseProblem(leaseId, shardKey) === undefined;
      const lease = canRun ? await this.#readLease(shardLeaseName(leaseId, shardKey)) : undefined;
      if (lease === 'error')
        logger.warn({ shardKey }, 'unowned shard check: cannot read the Lease of a shard');
      states.set(shardKey, shardState(shardKey, lease, { namespace: leaseNamespace, leaseId, nowMs }));
    }
    return states;
  }

  async #readLease(name: string): Promise<LeaseView | undefined | 'error'> {
    const namespace = this.#options.leaseNamespace;
    try {
      const lease = await this.#client.request({
        method: 'GET',
        path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(name)}`,
        what: `read Lease ${namespace}/${name}`,
      });
      return leaseView(lease);
    } catch (error) {
      return isKubeError(error, 'NotFound') ? undefined : 'error';
    }
  }
}

function listPath(resource: string, namespace: string | undefined): string {
  const where = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `/apis/${GROUP}/${VERSION}${where}/${resource}`;
}

type ListedItem = Omit<LabelledObject, 'kind' | 'apiVersion'>;

/** The fields used of a (metadata) list answer; items without the label or a name are skipped. */
function parseMetadataList(
  body: unknown,
  resource: string,
): { items: ListedItem[]; continue: string | undefined } {
  if (!isRecord(body) || !Array.isArray(body.items) || !isRecord(body.metadata)) {
    throw new Error(`list ${resource}: not a list`);
  }
  const items: ListedItem[] = [];
  for (const item of body.items) {
    const metadata = isRecord(item) && isRecord(item.metadata) ? item.metadata : {};
    const labels = isRecord(metadata.labels) ? metadata.labels : {};
    const shardKey = labels[SHARD_LABEL];
    if (typeof shardKey !== 'string' || typeof metadata.name !== 'string') continue;
    items.push({
      namespace: typeof metadata.namespace === 'string' ? metadata.namespace : 'default',
      name: metadata.name,
      uid: typeof metadata.uid === 'string' ? metadata.uid : `${metadata.namespace}/${metadata.name}`,
      shardKey,
    });
  }
  const token = body.metadata.continue;
  return { items, continue: typeof token === 'string' && token !== '' ? token : undefined };
}

function leaseView(body: unknown): LeaseView {
  const spec = isRecord(body) && isRecord(body.spec) ? body.spec : {};
  return {
    holderIdentity: typeof spec.holderIdentity === 'string' ? spec.holderIdentity : undefined,
    renewTime: typeof spec.renewTime === 'string' ? spec.renewTime : undefined,
    leaseDurationSeconds:
      typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : undefined,
  };
}
