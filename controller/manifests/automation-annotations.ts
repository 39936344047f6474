import type { IgnoreMode, PolicyRef } from './types.ts';

/** The tagpilot annotation prefix; it wins over the Flux v1 prefixes. */
export const TAGPILOT_PREFIX = 'tagpilot.io/';

/** Flux v1's `filter.fluxcd.io/<container>`: the same meaning as `tag.<container>`. */
export const FILTER_PREFIX = 'filter.fluxcd.io/';

/**
 * Every prefix read, strongest first. Flux v1 read its prefixes in map order (no defined winner);
 * here `tagpilot.io/` wins, then Flux v1's newer spellings (`fluxcd.io/`, `filter.fluxcd.io/`),
 * then the oldest (`flux.weave.works/`).
 */
export const PREFIX_PRECEDENCE = [TAGPILOT_PREFIX, 'fluxcd.io/', FILTER_PREFIX, 'flux.weave.works/'] as const;

/** An annotation key split into its prefix and the prefix-free key (`tag.flask`, `automated`). */
export interface AnnotationKey {
  prefix: string;
  key: string;
  /** Index in PREFIX_PRECEDENCE: lower wins. */
  rank: number;
}

/** Splits `flux.weave.works/tag.flask` into prefix and key; `filter.fluxcd.io/x` becomes `tag.x`. */
export function parseAnnotationKey(full: string): AnnotationKey | undefined {
  for (const [rank, prefix] of PREFIX_PRECEDENCE.entries()) {
    if (!full.startsWith(prefix) || full.length === prefix.length) continue;
    const rest = full.slice(prefix.length);
    return { prefix, key: prefix === FILTER_PREFIX ? `tag.${rest}` : rest, rank };
  }
  return undefined;
}

/** The full annotation key for a prefix-free key under one prefix (`filter.fluxcd.io/` takes `tag.x`). */
export function annotationKeyFor(prefix: string, key: string): string | undefined {
  if (prefix !== FILTER_PREFIX) return prefix + key;
  return key.startsWith('tag.') ? prefix + key.slice('tag.'.length) : undefined;
}

/** Prefix-free key -> value, where for each key the strongest prefix present wins. */
export function resolveAnnotations(annotations: Record<string, string>): Map<string, string> {
  const best = new Map<string, { rank: number; value: string }>();
  for (const [full, value] of Object.entries(annotations)) {
    const parsed = parseAnnotationKey(full);
    if (parsed === undefined) continue;
    const current = best.get(parsed.key);
    if (current === undefined || parsed.rank < current.rank)
      best.set(parsed.key, { rank: parsed.rank, value });
  }
  return new Map([...best].map(([key, { value }]) => [key, value]));
}

/** Workload-level settings read from resolved annotations. */
export interface WorkloadSettings {
  automated: boolean;
  locked: boolean;
  lockedMessage?: string;
  ignore?: IgnoreMode;
}

/** Container-level settings read from resolved annotations. */
export interface ContainerSettings {
  filter?: string;
  sort?: string;
  referrerTags?: string;
  policyRef?: PolicyRef;
  digest: boolean;
}

/** Reads `automated`, `locked`, `locked_msg` and `ignore`. */
export function workloadSettings(resolved: Map<string, string>): WorkloadSettings {
  const settings: WorkloadSettings = {
    automated: isTrue(resolved.get('automated')),
    locked: isTrue(resolved.get('locked')),
  };
  const message = resolved.get('locked_msg');
  if (message !== undefined) settings.lockedMessage = message;
  const ignore = resolved.get('ignore')?.trim().toLowerCase();
  if (ignore === 'true' || ignore === 'sync_only') settings.ignore = ignore;
  return settings;
}

/** Reads `tag.<c>`, `sort.<c>`, `referrer-tags.<c>`, `policy.<c>` and `digest.<c>` for one container. */
export function containerSettings(
  resolved: Map<string, string>,
  container: string,
  namespace: string | undefined,
): ContainerSettings {
  const settings: ContainerSettings = { digest: isTrue(resolved.get(`digest.${container}`)) };
  const filter = resolved.get(`tag.${container}`);
  if (filter !== undefined) settings.filter = filter;
  const sort = resolved.get(`sort.${container}`);
  if (sort !== undefined) settings.sort = sort;
  const referrerTags = resolved.get(`referrer-tags.${container}`);
  if (referrerTags !== undefined) settings.referrerTags = referrerTags;
  const policy = resolved.get(`policy.${container}`);
  if (policy !== undefined) settings.policyRef = parsePolicyRef(policy, namespace);
  return settings;
}

/** `<ns>/<name>` or `<name>` (the workload's namespace). */
export function parsePolicyRef(value: string, namespace: string | undefined): PolicyRef {
  const trimmed = value.trim();
  const slash = trimmed.indexOf('/');
  if (slash === -1) return { namespace, name: trimmed };
  return { namespace: trimmed.slice(0, slash), name: trimmed.slice(slash + 1) };
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}
