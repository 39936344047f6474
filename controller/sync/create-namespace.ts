// `spec.sync.createNamespace` (Argo CD's CreateNamespace=true): the GitSync's targetNamespace is
// created before anything is applied when it does not exist. It is not part of the inventory, so
// it is never pruned: deleting a namespace deletes everything in it, which no sync option should
// do. A Namespace of that name in Git wins (it is applied like any other object).
import { describeFailure } from './errors.ts';
import { inventoryEntry } from './render.ts';
import type { SyncContext } from './sync-context.ts';
import type { DesiredObject, ObjectResult } from './types.ts';

/** Label on a namespace tagpilot created for a GitSync's targetNamespace. */
export const CREATED_BY_LABEL = 'app.kubernetes.io/created-by';

/**
 * Creates `namespace` unless it exists or the render has it; the result to report when it was
 * created or could not be, undefined when there was nothing to do.
 */
export async function ensureTargetNamespace(
  ctx: SyncContext,
  namespace: string,
  rendered: readonly DesiredObject[],
  owner: string,
): Promise<ObjectResult | undefined> {
  if (rendered.some((d) => d.entry.kind === 'Namespace' && d.entry.name === namespace)) return undefined;
  const object = `Namespace ${namespace}`;
  const { id } = inventoryEntry('v1', 'Namespace', namespace, '');
  try {
    const info = await ctx.discovery.resolve('v1', 'Namespace');
    if (await ctx.api.get(info, undefined, namespace)) return undefined;
    await ctx.api.create(info, undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: { [CREATED_BY_LABEL]: 'tagpilot' },
        annotations: { 'tagpilot.io/created-for': owner },
      },
    });
    ctx.logger.info({ namespace }, 'created the target namespace (sync.createNamespace)');
    return { id, object, action: 'created' };
  } catch (error) {
    const failure = describeFailure(error, false);
    // Another writer created it between our GET and POST: nothing to report.
    if (failure.reason === 'AlreadyExists') return undefined;
    return {
      id,
      object,
      action: 'failed',
      reason: 'CreateNamespaceFailed',
      message: `sync.createNamespace: ${failure.message}`,
    };
  }
}
