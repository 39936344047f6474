// Reconciles one ImagePolicy: validate the spec, read its credentials, scan the repository,
// choose the tag (never older than the one recorded), and write status + Events. The shape is the
// one every reconciler here has: get, check suspend, inner reconcile, always write status.

import { setCondition } from '../api/conditions.ts';
import { scanInterval } from '../api/defaults.ts';
import { resourcePath } from '../api/paths.ts';
import type { ImagePolicy, ImagePolicyStatus } from '../api/types.ts';
import { type ImageScan, scanImage } from '../automation/scan-image.ts';
import { parseDuration } from '../config.ts';
import type { KubeClient } from '../kube/client.ts';
import { serviceAccountIdentity } from '../kube/impersonation.ts';
import type { Logger } from '../logger.ts';
import { policyFromSpec } from '../policy/index.ts';
import type { EventSink, ScannerFactory } from './ports.ts';
import { readPullSecrets } from './pull-secrets.ts';
import type { ReconcileOutcome } from './work-queue.ts';

/** What the ImagePolicy reconciler needs. */
export interface ImagePolicyReconcilerOptions {
  /** The controller's own client (status, Events). */
  client: KubeClient;
  /**
   * ServiceAccount (in the policy's namespace) whose rights read the policy's pull secrets.
   * Default none: the controller's own rights.
   */
  defaultServiceAccount?: string | undefined;
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
  /**
   * The scan did not get to choose (credentials, registry errors): status.observedGeneration stays,
   * so a spec change keeps its right to choose afresh at the next scan that completes.
   */
  unchosen?: true;
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
    const account = this.#options.defaultServiceAccount;
    const reader = account
      ? this.#options.client.impersonating(serviceAccountIdentity(namespace, account))
      : this.#options.client;
    const secrets = await readPullSecrets(reader, namespace, {
      secretNames: spec.secretRef ? [spec.secretRef.name] : [],
      serviceAccountName: spec.serviceAccountName,
    });
    if (!secrets.ok) {
      return {
        status: {},
        unchosen: true,
        ready: { status: 'False', reason: 'CredentialsUnavailable', message: secrets.message },
        event: { type: 'Warning', reason: 'CredentialsUnavailable', message: secrets.message },
      };
    }
    const scanner = this.#options.scanners({
      ...(secrets.credentials ? { credentials: secrets.credentials } : {}),
      ...(spec.platform ? { platform: spec.platform } : {}),
    });
    const previous = policy.status?.latestTag;
    // Never lower status.latestTag under the policy's own ordering: the recorded tag is the current
    // one even when the registry no longer lists it. Only a spec change may choose afresh (the
    // recorded tag then counts only while it is still listed).
    const specChanged = policy.status?.observedGeneration !== metadata.generation;
    const scan = await scanImage({
      scanner,
      repository: spec.image,
      policy: rules.value,
      current: previous,
      ...(specChanged ? { vanishedCurrent: 'ignore' as const } : {}),
      withDigest: true,
    });
    const lastScanTime = this.#now().toISOString();
    if (!scan.ok) {
      const reason = scan.code === 'RATE_LIMITED' ? 'RateLimited' : 'ScanFailed';
      return {
        status: { lastScanTime },
        unchosen: true,
        ready: { status: 'False', reason, message: scan.message },
        event: { type: 'Warning', reason, message: scan.message },
      };
    }
    return chosenOutcome(spec, previous, scan, lastScanTime);
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
    const observedGeneration = outcome.unchosen ? policy.status?.observedGeneration : generation;
    const status: ImagePolicyStatus = {
      ...outcome.status,
      conditions,
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    };
    const { namespace = 'default', name } = policy.metadata;
    await this.#options.client.request({
      method: 'PATCH',
      path: resourcePath('imagepolicies', namespace, name, 'status'),
      contentType: 'application/merge-patch+json',
      body: { status },
      what: `update status of ImagePolicy ${namespace}/${name}`,
    });
  }
}

function safeInterval(interval: string | undefined): number {
  try {
    return parseDuration(scanInterval({ interval }));
  } catch {
    return 300_000;
  }
}

/** Status, Ready condition and Event of a completed scan. */
function chosenOutcome(
  spec: ImagePolicy['spec'],
  previous: string | undefined,
  scan: ImageScan,
  lastScanTime: string,
): Outcome {
  const { result, tags } = scan;
  const base = { tagCount: tags.length, lastScanTime };
  if (result.tag === undefined) {
    const message = `${result.message} (${tags.length} tags scanned)`;
    return { status: base, ready: { status: 'False', reason: 'NoMatchingTag', message } };
  }
  if (result.tag === previous && !tags.includes(previous)) {
    // Held back: the recorded tag vanished, and nothing ranks above it.
    const message = `latest tag ${previous} kept although the registry no longer lists it: ${result.message}; it is never lowered unless the spec changes`;
    return { status: base, ready: { status: 'True', reason: 'Succeeded', message } };
  }
  const digest = scan.digest ?? '';
  const latestImage = `${spec.image}:${result.tag}${spec.digest === 'Always' ? `@${digest}` : ''}`;
  const changed = result.tag !== previous;
  const message = `latest tag ${result.tag} of ${tags.length} tags`;
  return {
    status: {
      ...base,
      latestTag: result.tag,
      latestImage,
      latestDigest: digest,
      ...(changed && previous ? { previousTag: previous } : {}),
    },
    ready: { status: 'True', reason: 'Succeeded', message },
    ...(changed
      ? {
          event: {
            type: 'Normal' as const,
            reason: 'NewLatestTag',
            message: previous ? `latest tag ${previous} -> ${result.tag}` : `latest tag ${result.tag}`,
          },
        }
      : {}),
  };
}
