// Sharding by label: a controller started with `--shard-key <k>` owns the GitSyncs and ImagePolicies
// labelled `sharding.tagpilot.io/key=<k>`; the unsharded controller (no `--shard-key`) owns those
// without the label. Kubernetes does the spreading (a label-selected watch); the only coordination
// between controllers is each shard's own Lease. docs/sharding.md says how to use it,
// docs/decisions/0009-sharding-by-label.md why it is built this way.

/** The label whose value names the shard that owns a GitSync or ImagePolicy. */
export const SHARD_LABEL = 'sharding.tagpilot.io/key';

/** A Kubernetes label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Why `value` cannot be a shard key (it must be a non-empty label value), or undefined when it can. */
export function shardKeyProblem(value: string): string | undefined {
  if (value === '')
    return 'a shard key must not be empty (leave --shard-key out for the unsharded controller)';
  if (value.length > 63) return `"${value}" is ${value.length} characters long; a label value has at most 63`;
  if (!LABEL_VALUE.test(value)) {
    return `"${value}" is not a label value (letters, digits, '-', '_' and '.', beginning and ending with a letter or digit)`;
  }
  return undefined;
}

/**
 * The label selector of the objects a controller owns: `sharding.tagpilot.io/key=<k>` for shard
 * `k`, `!sharding.tagpilot.io/key` for the unsharded controller (`shardKey` undefined).
 */
export function shardSelector(shardKey: string | undefined): string {
  return shardKey === undefined ? `!${SHARD_LABEL}` : `${SHARD_LABEL}=${shardKey}`;
}

/** Whether the controller of `shardKey` owns `object`: the same rule as `shardSelector`, in memory. */
export function ownsObject(
  shardKey: string | undefined,
  object: { metadata: { labels?: Record<string, string> | undefined } },
): boolean {
  const value = object.metadata.labels?.[SHARD_LABEL];
  return shardKey === undefined ? value === undefined : value === shardKey;
}

/** The Lease of a shard: `<id>-<key>`, so that each shard elects its own leader; `id` when unsharded. */
export function shardLeaseName(id: string, shardKey: string | undefined): string {
  return shardKey === undefined ? id : `${id}-${shardKey}`;
}

/** A Lease name is a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253 characters. */
const LEASE_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Why no controller can run shard `shardKey` under Lease id `id` (its Lease name would not be a
 * Kubernetes name: label values also allow upper case and '_'), or undefined when one can.
 */
export function shardLeaseProblem(id: string, shardKey: string | undefined): string | undefined {
  const name = shardLeaseName(id, shardKey);
  if (name.length <= 253 && LEASE_NAME.test(name)) return undefined;
  return `the Lease would be named "${name}", which is not a Kubernetes name (lower-case letters, digits, '-' and '.')`;
}
