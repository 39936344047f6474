import { createHash } from 'node:crypto';
import type { KubeObject } from '../kube/types.ts';
import { resolveAnnotations } from '../manifests/index.ts';

/** The label on every object tagpilot applies; its value names the owning GitSync. */
export const OWNER_LABEL = 'tagpilot.io/managed-by';

/** Opt-in annotation: an immutable-field change deletes and recreates the object. */
export const RECREATE_ANNOTATION = 'tagpilot.io/recreate';

const MAX_LABEL_VALUE = 63;

/**
 * The owner label value for a GitSync: `<namespace>.<name>` when that is a valid label value
 * (≤ 63 characters), otherwise a readable prefix plus a hash of the full name, so that two
 * GitSyncs never share a value and the value never changes between restarts.
 */
export function ownerLabelValue(namespace: string, name: string): string {
  const full = `${namespace}.${name}`;
  if (full.length <= MAX_LABEL_VALUE && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(full)) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 16);
  const prefix = full.replace(/[^-A-Za-z0-9_.]/g, '-').slice(0, MAX_LABEL_VALUE - hash.length - 1);
  return `${prefix.replace(/[^A-Za-z0-9]+$/, '')}-${hash}`.replace(/^[^A-Za-z0-9]+/, '');
}

/** Annotation values as strings (YAML may hold booleans where strings are meant). */
export function stringAnnotations(object: { metadata?: unknown }): Record<string, string> {
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null) return {};
  const annotations = (metadata as { annotations?: unknown }).annotations;
  if (typeof annotations !== 'object' || annotations === null) return {};
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (value !== null && value !== undefined) result[key] = String(value);
  }
  return result;
}

/** `ignore` under any prefix (`tagpilot.io/` wins): `true`, `sync_only`, or undefined. */
export function ignoreMode(object: { metadata?: unknown }): 'true' | 'sync_only' | undefined {
  const value = resolveAnnotations(stringAnnotations(object)).get('ignore')?.trim().toLowerCase();
  return value === 'true' || value === 'sync_only' ? value : undefined;
}

/** True when the object carries our owner label with exactly this value. */
export function isOwnedBy(object: KubeObject, value: string): boolean {
  return object.metadata.labels?.[OWNER_LABEL] === value;
}

/** Opt-out of pruning on an object or a Namespace: `tagpilot.io/prune: disabled`. */
export const PRUNE_ANNOTATION = 'tagpilot.io/prune';

/** Flux's spelling of the same opt-out, honoured so Flux repositories keep their protection. */
const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';

/** True when the object is annotated `prune: disabled` (tagpilot's or Flux's annotation). */
export function pruneDisabled(object: { metadata?: unknown }): boolean {
  const annotations = stringAnnotations(object);
  return [PRUNE_ANNOTATION, FLUX_PRUNE_ANNOTATION].some(
    (key) => annotations[key]?.trim().toLowerCase() === 'disabled',
  );
}
