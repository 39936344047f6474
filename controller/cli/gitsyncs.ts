// Reading GitSyncs from the API server and resolving what the user typed (`name`, `ns/name`, or
// nothing) to exactly one of them, with an error that lists what exists when it does not resolve.
import { objectKey } from '../api/defaults.ts';
import { resourcePath } from '../api/paths.ts';
import { API_VERSION, type GitSync } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';
import { RemoteError, UsageError } from './errors.ts';
import type { KubeContext } from './kube-context.ts';

/** `ns/name` of a GitSync. */
export function gitSyncKey(gitsync: GitSync): string {
  return objectKey(gitsync);
}

/** The path of one GitSync (for GET and PATCH). */
export function gitSyncPath(namespace: string, name: string): string {
  return resourcePath('gitsyncs', namespace, name);
}

/** Every GitSync in `namespace`, or in every namespace; sorted by namespace and name. */
export async function listGitSyncs(client: KubeClient, namespace: string | undefined): Promise<GitSync[]> {
  const path = resourcePath('gitsyncs', namespace || undefined);
  let list: unknown;
  try {
    list = await client.request({ method: 'GET', path, what: 'list GitSyncs' });
  } catch (error) {
    if (isKubeError(error, 'NotFound'))
      throw new RemoteError(`the GitSync API (${API_VERSION}) is not installed in this cluster`);
    throw error;
  }
  const items = isRecord(list) && Array.isArray(list.items) ? list.items : [];
  return items.map(toGitSync).sort((a, b) => gitSyncKey(a).localeCompare(gitSyncKey(b)));
}

/** One GitSync; a missing one is a UsageError naming the GitSyncs that exist. */
export async function getGitSync(client: KubeClient, namespace: string, name: string): Promise<GitSync> {
  try {
    const object = await client.request({
      method: 'GET',
      path: gitSyncPath(namespace, name),
      what: `get GitSync ${namespace}/${name}`,
    });
    return toGitSync(object);
  } catch (error) {
    if (!isKubeError(error, 'NotFound')) throw error;
    throw new UsageError(`GitSync ${namespace}/${name} not found${await existing(client)}`);
  }
}

/**
 * Finds the GitSync the user named: `ns/name`; `name` in `-n` (or, without `-n`, in whichever
 * namespace has the only GitSync of that name); or, when nothing is named, the only GitSync in
 * scope. Anything else is a UsageError that lists the candidates.
 */
export async function resolveGitSync(kube: KubeContext, ref: string | undefined): Promise<GitSync> {
  if (ref?.includes('/')) {
    const [namespace = '', name = ''] = ref.split('/', 2);
    if (!namespace || !name) throw new UsageError(`"${ref}" is not a GitSync name or namespace/name`);
    return getGitSync(kube.client, namespace, name);
  }
  if (ref && kube.namespace) return getGitSync(kube.client, kube.namespace, ref);
  const all = await listGitSyncs(kube.client, kube.namespace);
  const matching = ref ? all.filter((gitsync) => gitsync.metadata.name === ref) : all;
  const [only] = matching;
  if (only && matching.length === 1) return only;
  const keys = all.map(gitSyncKey).join(', ') || 'none';
  if (matching.length === 0) {
    const scope = kube.namespace ? ` in namespace ${kube.namespace}` : '';
    const what = ref ? `GitSync "${ref}" not found${scope}` : `no GitSyncs found${scope}`;
    throw new UsageError(`${what} (GitSyncs: ${keys})`);
  }
  const name = ref ? `"${ref}" names ${matching.length} GitSyncs` : `${matching.length} GitSyncs`;
  throw new UsageError(
    `${name}; say which as namespace/name (GitSyncs: ${matching.map(gitSyncKey).join(', ')})`,
  );
}

async function existing(client: KubeClient): Promise<string> {
  try {
    const keys = (await listGitSyncs(client, undefined)).map(gitSyncKey);
    return ` (GitSyncs: ${keys.join(', ') || 'none'})`;
  } catch {
    // The listing is a courtesy; the NotFound is the answer.
    return '';
  }
}

/** Checks the fields the CLI reads; the API server validated the rest against the CRD. */
function toGitSync(value: unknown): GitSync {
  if (
    !isRecord(value) ||
    !isRecord(value.metadata) ||
    typeof value.metadata.name !== 'string' ||
    !isRecord(value.spec) ||
    typeof value.spec.url !== 'string'
  ) {
    throw new RemoteError('the API server returned a GitSync without metadata.name or spec.url');
  }
  return value as unknown as GitSync;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merge-patches a GitSync object (annotations, spec.suspend). */
export async function patchGitSync(client: KubeClient, gitsync: GitSync, body: unknown): Promise<void> {
  const namespace = gitsync.metadata.namespace ?? 'default';
  const { name } = gitsync.metadata;
  await client.request({
    method: 'PATCH',
    path: gitSyncPath(namespace, name),
    contentType: 'application/merge-patch+json',
    body,
    what: `patch GitSync ${namespace}/${name}`,
  });
}

/** The GitSync named by `ref`, or every GitSync in `-n` (all namespaces without it). */
export async function gitSyncsInScope(kube: KubeContext, ref: string | undefined): Promise<GitSync[]> {
  return ref ? [await resolveGitSync(kube, ref)] : listGitSyncs(kube.client, kube.namespace);
}
