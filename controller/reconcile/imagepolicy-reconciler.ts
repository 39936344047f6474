// Reconciles one ImagePolicy in the shape every reconciler here has: get the object, defer the one
// status patch, stop at `suspend`, and run the inner reconcile, which validates the spec, reads its
// credentials, scans the repository and chooses the tag (never older than the one recorded). Events
// and the wake-up of GitSyncs that name the policy follow the status write.
import { setCondition } from '../api/conditions.ts';
import { scanInterval } from '../api/defaults.ts';
import type { ImagePolicy, ImagePolicyStatus } from '../api/types.ts';
import { type ImageScan, scanImage } from '../automation/scan-image.ts';
import { parseDuration } from '../config.ts';
import { serviceAccountIdentity } from '../kube/impersonation.ts';
import type { Logger } from '../logger.ts';
import { policyFromSpec } from '../policy/index.ts';
import type { ReconcileOutcome } from '../runtime/work-queue.ts';
import { recordEventAbout } from './object-events.ts';
import type { ImagePolicyPorts } from './ports.ts';

/** What the ImagePolicy reconciler needs. */
export interface ImagePolicyReconcilerOptions {
  /** Registries, pull secrets, status and Events (gitsync-wiring.ts makes the real ones). */
  ports: ImagePolicyPorts;
  /**
   * ServiceAccount (in the policy's namespace) whose rights read the policy's pull secrets.
   * Default none: the controller's own rights.
   */
  defaultServiceAccount?: string | undefined;
  logger: Logger;
  /** Reads the object (from the informer cache). */
  get: (namespace: string, name: string) => ImagePolicy | undefined;
  /** Called when latestTag changed, so GitSyncs that name this policy run at once. */
  onLatestChanged?: (policy: ImagePolicy) => void;
  now?: () => Date;
}

/** What the inner reconcile produced. */
export interface Outcome {
  status: Partial<ImagePolicyStatus>;
  /**
   * The scan did not get to choose (credentials, registry errors): status.observedGeneration stays,
   * so a spec change keeps its right to choose afresh at the next scan that completes.
   */
  unchosen?: true;
  ready: { status: 'True' | 'False'; reason: string; message: string };
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

const SUSPENDED: Outcome = {
  status: {},
  ready: { status: 'False', reason: 'Suspended', message: 'spec.suspend is true; scanning is paused' },
};

/** Reconciles ImagePolicies by `<namespace>/<name>` key. */
export class ImagePolicyReconciler {
  readonly #options: ImagePolicyReconcilerOptions;
  readonly #ports: ImagePolicyPorts;
  readonly #now: () => Date;

  constructor(options: ImagePolicyReconcilerOptions) {
    this.#options = options;
    this.#ports = options.ports;
    this.#now = options.now ?? (() => new Date());
  }

  /** Reconciles one key; the returned outcome schedules the next scan. */
  async reconcile(key: string): Promise<ReconcileOutcome | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const policy = this.#options.get(namespace, name);
    if (!policy || policy.metadata.deletionTimestamp) return undefined;
    let outcome: Outcome | undefined;
    try {
      outcome = policy.spec.suspend ? SUSPENDED : await this.#scan(policy);
    } finally {
      if (outcome) await this.#ports.writeStatus(policy, this.#statusOf(policy, outcome));
    }
    if (outcome === SUSPENDED) return undefined;
    await this.#announce(policy, outcome);
    if (outcome.ready.reason === 'InvalidPolicy') return undefined;
    return { requeueAfterMs: safeInterval(policy.spec.interval) };
  }

  /** The Event of the outcome, and the GitSyncs woken when the latest tag moved. */
  async #announce(policy: ImagePolicy, outcome: Outcome): Promise<void> {
    if (outcome.event) {
      const { type, reason, message } = outcome.event;
      await recordEventAbout(this.#ports.events, policy, { type, reason, action: 'Scan', note: message });
    }
    const latest = outcome.status.latestTag;
    if (latest && latest !== policy.status?.latestTag) {
      const { namespace, name } = policy.metadata;
      this.#options.logger.info(
        {
          imagepolicy: `${namespace}/${name}`,
          image: policy.spec.image,
          tag: latest,
          previous: policy.status?.latestTag,
        },
        'new latest tag',
      );
      this.#options.onLatestChanged?.(policy);
    }
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
    const identity = account ? serviceAccountIdentity(namespace, account) : undefined;
    const tls = (await this.#ports.readTlsSettings?.(identity, namespace, spec)) ?? {
      ok: true,
      settings: undefined,
    };
    if (!tls.ok) {
      return {
        status: {},
        unchosen: true,
        ready: { status: 'False', reason: 'InvalidTLSConfig', message: tls.message },
        event: { type: 'Warning', reason: 'InvalidTLSConfig', message: tls.message },
      };
    }
    const secrets = await this.#ports.readPullSecrets(identity, namespace, {
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
    const scanner = this.#ports.scanners({
      ...(secrets.credentials ? { credentials: secrets.credentials } : {}),
      ...(spec.platform ? { platform: spec.platform } : {}),
      ...(tls.settings ? { tls: tls.settings } : {}),
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
      const reason = scanFailureReason(scan.code);
      return {
        status: { lastScanTime },
        unchosen: true,
        ready: { status: 'False', reason, message: scan.message },
        event: { type: 'Warning', reason, message: scan.message },
      };
    }
    return withInsecureWarning(spec, chosenOutcome(spec, previous, scan, lastScanTime));
  }

  #statusOf(policy: ImagePolicy, outcome: Outcome): ImagePolicyStatus {
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
    return {
      ...outcome.status,
      conditions,
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    };
  }
}

/** The Ready reason of a failed scan. */
function scanFailureReason(code: string | undefined): string {
  if (code === 'RATE_LIMITED') return 'RateLimited';
  if (code === 'TLS_CERTIFICATE') return 'TLSCertificateFailed';
  return 'ScanFailed';
}

/** Verification off is said in the Ready message of every scan, not only in the log. */
function withInsecureWarning(spec: ImagePolicy['spec'], outcome: Outcome): Outcome {
  if (spec.insecureSkipTLSVerify !== true) return outcome;
  const message = `${outcome.ready.message}; WARNING: spec.insecureSkipTLSVerify is true, the registry's certificate is not verified`;
  return { ...outcome, ready: { ...outcome.ready, message } };
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
  const base = {
    tagCount: tags.length,
    provisional: scan.provisional,
    buildTimesPending: scan.deferred,
    lastScanTime,
  };
  const pending = scan.provisional
    ? ` (provisional: the build times of ${scan.deferred} candidates are read at later scans)`
    : '';
  if (result.tag === undefined) {
    const message = `${result.message} (${tags.length} tags scanned)${pending}`;
    return { status: base, ready: { status: 'False', reason: 'NoMatchingTag', message } };
  }
  if (result.tag === previous && !tags.includes(previous)) {
    // Held back: the recorded tag vanished, and nothing ranks above it.
    const message = `latest tag ${previous} kept although the registry no longer lists it: ${result.message}; it is never lowered unless the spec changes${pending}`;
    return { status: base, ready: { status: 'True', reason: 'Succeeded', message } };
  }
  const digest = scan.digest ?? '';
  const latestImage = `${spec.image}:${result.tag}${spec.digest === 'Always' ? `@${digest}` : ''}`;
  const changed = result.tag !== previous;
  const message = `latest tag ${result.tag} of ${tags.length} tags${pending}`;
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
