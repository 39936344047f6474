// Reconciles one ImagePolicy: validate the spec, read its credentials, scan the repository,
// choose the tag (never older than the one recorded), and write status + Events. The shape is the
// one every reconciler here has: get, check suspend, inner reconcile, always write status.
import { setCondition } from '../api/conditions.ts';
import type { ImagePolicy, ImagePolicyStatus } from '../api/types.ts';
import { parseDuration } from '../config.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Logger } from '../logger.ts';
import { chooseLatestTag, filterTags, needsBuildTime, policyFromSpec } from '../policy/index.ts';
import type { EventSink, ScannerFactory } from './ports.ts';
import { readPullSecrets } from './pull-secrets.ts';
import type { ReconcileOutcome } from './work-queue.ts';

/** What the ImagePolicy reconciler needs. */
export interface ImagePolicyReconcilerOptions {
  client: KubeClient;
  scanners: ScannerFactory;
  events: EventSink;
  logger: Logger;
  /** Reads the object (from the informer cache). */
  get: (namespace: string, name: string) => ImagePolicy | undefined;
  /** Called when latestTag changed, so GitSyncs with markers for this policy run at once. */
  onLatestChanged?: (policy: ImagePolicy) => void;
  now?: () => Date;
}

interface Outcome {
  status: Partial<ImagePolicyStatus>;
  ready: { status: 'True' | 'False'; reason: string; message: string };
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

/** Reconciles ImagePolicies by `<namespace>/<name>` key. */
export class ImagePolicyReconciler {
  readonly #options: ImagePolicyReconcilerOptions;
  readonly #now: () => Date;

  constructor(options: ImagePolicyReconcilerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Reconciles one key; the returned outcome schedules the next scan. */
  async reconcile(key: string): Promise<ReconcileOutcome | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const policy = this.#options.get(namespace, name);
    if (!policy || policy.metadata.deletionTimestamp) return undefined;
    const log = this.#options.logger.child({ imagepolicy: key, image: policy.spec.image });
    if (policy.spec.suspend) {
      await this.#writeStatus(policy, {
        status: {},
        ready: { status: 'False', reason: 'Suspended', message: 'spec.suspend is true; scanning is paused' },
      });
      return undefined;
    }
    const outcome = await this.#scan(policy);
    await this.#writeStatus(policy, outcome);
    if (outcome.event) {
      const { type, reason, message } = outcome.event;
      const regarding = {
        apiVersion: policy.apiVersion,
        kind: policy.kind,
        name,
        namespace,
        uid: policy.metadata.uid,
      };
      await this.#options.events.record({ regarding, type, reason, action: 'Scan', note: message });
    }
    if (outcome.status.latestTag && outcome.status.latestTag !== policy.status?.latestTag) {
      log.info({ tag: outcome.status.latestTag, previous: policy.status?.latestTag }, 'new latest tag');
      this.#options.onLatestChanged?.(policy);
    }
    if (outcome.ready.reason === 'InvalidPolicy') return undefined;
    return { requeueAfterMs: safeInterval(policy.spec.interval) };
  }

  async #scan(policy: ImagePolicy): Promise<Outcome> {
    const { spec, metadata } = policy;
    const rules = policyFromSpec(spec);
    if (!rules.ok) {
      const message = rules.error.message;
      return {
        status: {},
        ready: { status: 'False', reason: 'InvalidPolicy', message },
        event: { type: 'Warning', reason: 'InvalidPolicy', message },
      };
    }
    const namespace = metadata.namespace ?? 'default';
    const secrets = await readPullSecrets(this.#options.client, namespace, {
      secretNames: spec.secretRef ? [spec.secretRef.name] : [],
      serviceAccountName: spec.serviceAccountName,
    });
    if (!secrets.ok) {
      return {
        status: {},
        ready: { status: 'False', reason: 'CredentialsUnavailable', message: secrets.message },
        event: { type: 'Warning', reason: 'CredentialsUnavailable', message: secrets.message },
      };
    }
    const scanner = this.#options.scanners({
      ...(secrets.credentials ? { credentials: secrets.credentials } : {}),
      ...(spec.platform ? { platform: spec.platform } : {}),
    });
    const previous = policy.status?.latestTag;
    try {
      const tags = await scanner.listTags(spec.image);
      const candidates = filterTags(tags, rules.value);
      let created: Map<string, Date> | undefined;
      if (needsBuildTime(rules.value)) {
        created = new Map();
        const names = [...new Set([...candidates.map((c) => c.tag), ...(previous ? [previous] : [])])];
        const times = await Promise.all(
          names.map((tag) => scanner.created(spec.image, tag).catch(() => undefined)),
        );
        for (const [i, tag] of names.entries()) {
          const time = times[i];
          if (time) created.set(tag, time);
        }
      }
      // Never downgrade: the recorded latest tag is "current" as long as it is still listed.
      const current = previous && tags.includes(previous) ? previous : undefined;
      const choice = chooseLatestTag({ policy: rules.value, candidates, current, created });
      const base = { tagCount: tags.length, lastScanTime: this.#now().toISOString() };
      if (choice.tag === undefined) {
        return {
          status: base,
          ready: {
            status: 'False',
            reason: 'NoMatchingTag',
            message: `${choice.message} (${tags.length} tags scanned)`,
          },
        };
      }
      const digest = await scanner.digest(spec.image, choice.tag);
      const latestImage = `${spec.image}:${choice.tag}${spec.digest === 'Always' ? `@${digest}` : ''}`;
      const changed = choice.tag !== previous;
      return {
        status: {
          ...base,
          latestTag: choice.tag,
          latestImage,
          latestDigest: digest,
          ...(changed && previous ? { previousTag: previous } : {}),
        },
        ready: {
          status: 'True',
          reason: 'Succeeded',
          message: `latest tag ${choice.tag} of ${tags.length} tags`,
        },
        ...(changed
          ? {
              event: {
                type: 'Normal' as const,
                reason: 'NewLatestTag',
                message: previous ? `latest tag ${previous} -> ${choice.tag}` : `latest tag ${choice.tag}`,
              },
            }
          : {}),
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = code === 'RATE_LIMITED' ? 'RateLimited' : 'ScanFailed';
      const message = error instanceof Error ? error.message : String(error);
      return {
        status: { lastScanTime: this.#now().toISOString() },
        ready: { status: 'False', reason, message },
        event: { type: 'Warning', reason, message },
      };
    }
  }

  async #writeStatus(policy: ImagePolicy, outcome: Outcome): Promise<void> {
    const generation = policy.metadata.generation;
    const conditions = setCondition(
      policy.status?.conditions,
      { type: 'Ready', ...outcome.ready },
      {
        now: this.#now(),
        ...(generation !== undefined ? { generation } : {}),
      },
    );
    const status: ImagePolicyStatus = {
      ...outcome.status,
      conditions,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
    const { namespace = 'default', name } = policy.metadata;
    await this.#options.client.request({
      method: 'PATCH',
      path: `/apis/tagpilot.io/v1alpha1/namespaces/${namespace}/imagepolicies/${name}/status`,
      contentType: 'application/merge-patch+json',
      body: { status },
      what: `update status of ImagePolicy ${namespace}/${name}`,
    });
  }
}

function safeInterval(interval: string | undefined): number {
  try {
    return parseDuration(interval ?? '5m');
  } catch {
    return 300_000;
  }
}
