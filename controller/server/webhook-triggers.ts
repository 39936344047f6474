// What a verified webhook sets in motion: which ImagePolicies scan and which GitSyncs sync or run
// image automation now, instead of at their next interval.
import { parseReference } from '../../registry/index.ts';
import { syncBranch } from '../api/defaults.ts';
import type { GitSync, ImagePolicy } from '../api/types.ts';
import type { PushedImage } from './registry-events.ts';

/** The controller's side of the webhooks: its caches and its queues. */
export interface WebhookTargets {
  /** False while the caches are not synced or this replica does not lead (the hook answers 503). */
  ready(): boolean;
  gitSyncs(): readonly GitSync[];
  imagePolicies(): readonly ImagePolicy[];
  /** Drops what the registry client remembers about a tag (it may have been pushed again). */
  forgetTag(image: PushedImage & { registry: string }): void;
  /** Queues an ImagePolicy scan now. */
  scanImagePolicy(key: string): void;
  /** Queues a GitSync reconcile now (fetch, sync when the commit changed). */
  syncGitSync(key: string): void;
  /** Queues a GitSync reconcile now that also runs image automation. */
  automateGitSync(key: string): void;
}

/** The objects a webhook triggered, as `<namespace>/<name>` keys. */
export interface Triggered {
  imagePolicies: string[];
  gitSyncs: string[];
}

/**
 * Reacts to pushed tags: forgets the cached tags, scans every ImagePolicy of those repositories,
 * and runs automation in every GitSync with automation on (any of them may have a workload that
 * follows the repository through its annotations; GitSync status does not record which).
 */
export function triggerImagePushes(targets: WebhookTargets, images: readonly PushedImage[]): Triggered {
  for (const image of images) {
    if (image.registry !== undefined) targets.forgetTag({ ...image, registry: image.registry });
  }
  const imagePolicies = targets
    .imagePolicies()
    .filter((policy) => images.some((image) => sameRepository(policy.spec.image, image)))
    .map(keyOf);
  const gitSyncs = targets
    .gitSyncs()
    .filter((gitsync) => !gitsync.spec.suspend && gitsync.spec.automation?.enabled !== false)
    .map(keyOf);
  for (const key of imagePolicies) targets.scanImagePolicy(key);
  for (const key of gitSyncs) targets.automateGitSync(key);
  return { imagePolicies, gitSyncs };
}

/**
 * Reacts to a pushed branch: every GitSync that follows that branch of that repository reconciles
 * now. Automation runs too, because the push may have changed an annotation or a policy marker.
 */
export function triggerGitPush(
  targets: WebhookTargets,
  push: { repositories: readonly string[]; branch: string },
  normalizeUrl: (url: string) => string | undefined,
): Triggered {
  const matching = targets
    .gitSyncs()
    .filter((gitsync) => !gitsync.spec.suspend && syncBranch(gitsync.spec) === push.branch)
    .filter((gitsync) => {
      const url = normalizeUrl(gitsync.spec.url);
      return url !== undefined && push.repositories.includes(url);
    });
  for (const gitsync of matching) {
    if (gitsync.spec.automation?.enabled === false) targets.syncGitSync(keyOf(gitsync));
    else targets.automateGitSync(keyOf(gitsync));
  }
  return { imagePolicies: [], gitSyncs: matching.map(keyOf) };
}

/** True when `specImage` (an ImagePolicy's repository) names the repository of `image`. */
function sameRepository(specImage: string, image: PushedImage): boolean {
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(specImage);
  } catch {
    return false;
  }
  if (image.registry !== undefined && ref.registry !== image.registry) return false;
  return ref.repository === image.repository;
}

function keyOf(object: { metadata: { namespace?: string; name: string } }): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
