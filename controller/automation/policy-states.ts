// What the planner knows of ImagePolicies (their status), and the one lookup of a policy a
// container or setter marker names: not found, not ready yet, or the image it chose.
import { objectKey } from '../api/defaults.ts';
import type { ImagePolicy } from '../api/types.ts';
import type { NewImage } from '../manifests/index.ts';

/** What the automation loop knows of one ImagePolicy (from its status). */
export interface PolicyState {
  /** spec.image: the repository without tag. */
  image: string;
  latestTag?: string | undefined;
  latestDigest?: string | undefined;
  /** spec.digest is Always: write repo:tag@digest. */
  pinDigest: boolean;
}

/** ImagePolicies by `<namespace>/<name>`, as the planner reads them. */
export function policyStates(policies: readonly ImagePolicy[]): Map<string, PolicyState> {
  const states = new Map<string, PolicyState>();
  for (const policy of policies) {
    states.set(objectKey(policy), {
      image: policy.spec.image,
      latestTag: policy.status?.latestTag,
      latestDigest: policy.status?.latestDigest,
      pinDigest: policy.spec.digest === 'Always',
    });
  }
  return states;
}

/** The image an ImagePolicy chose, or why there is none to write. */
export type PolicyLookup =
  | { ok: true; image: NewImage }
  | { ok: false; outcome: 'PolicyNotFound' | 'PolicyNotReady'; message: string };

/** Looks up the policy `key` (`<namespace>/<name>`) and the image it chose. */
export function lookupPolicy(policies: ReadonlyMap<string, PolicyState>, key: string): PolicyLookup {
  const policy = policies.get(key);
  if (!policy) return { ok: false, outcome: 'PolicyNotFound', message: `ImagePolicy ${key} not found` };
  if (!policy.latestTag)
    return { ok: false, outcome: 'PolicyNotReady', message: `ImagePolicy ${key} has no latest tag yet` };
  const image: NewImage = {
    repo: policy.image,
    tag: policy.latestTag,
    ...(policy.pinDigest && policy.latestDigest ? { digest: policy.latestDigest } : {}),
  };
  return { ok: true, image };
}
