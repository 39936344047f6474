// The live side of a sync: the labelled objects of every rendered kind, the workloads HPAs scale,
// and CRDs waited for until Established. Reads only; run-sync.ts decides what to write.
import { isKubeError } from '../kube/errors.ts';
import { isRecord, type KubeObject, type ResourceInfo } from '../kube/types.ts';
import { mapLimit } from '../util/map-limit.ts';
import { describeFailure } from './errors.ts';
import { computeHealth } from './health.ts';
import { hpaTargetsOf, SCALABLE_KINDS } from './ignore-rules.ts';
import { OWNER_LABEL } from './ownership.ts';
import type { SyncContext } from './sync-context.ts';
import type { DesiredObject } from './types.ts';

/** Labelled live objects by inventory id, and the kinds that could not be listed (with why). */
export interface LiveObjects {
  objects: Map<string, KubeObject>;
  failures: Map<string, unknown>;
}

function kindKey(info: ResourceInfo): string {
  return `${info.group}/${info.version}/${info.resource}`;
}

/**
 * Every labelled object of the rendered kinds, by inventory id: one list per kind and namespace
 * (cluster-wide only for cluster-scoped kinds), so a GitSync whose ServiceAccount may list only its
 * own namespace can sync. A list that fails (RBAC, a broken aggregated API) fails only its own objects.
 */
export async function listLive(ctx: SyncContext, objects: readonly DesiredObject[]): Promise<LiveObjects> {
  const scopes = new Map<string, { info: ResourceInfo; namespace: string | undefined }>();
  for (const { info, entry } of objects) {
    const namespace = info.namespaced ? entry.namespace || undefined : undefined;
    scopes.set(scopeKey(info, namespace), { info, namespace });
  }
  const result: LiveObjects = { objects: new Map(), failures: new Map() };
  const lists = await mapLimit([...scopes.values()], ctx.concurrency, async ({ info, namespace }) => {
    try {
      const labelSelector = `${OWNER_LABEL}=${ctx.ownerLabelValue}`;
      return { info, items: (await ctx.api.list(info, { labelSelector, namespace })).items };
    } catch (error) {
      // A kind whose CRD is applied in this very sync is not served yet: nothing of it exists.
      if (isKubeError(error, 'NotFound')) return { info, items: [] };
      result.failures.set(scopeKey(info, namespace), error);
      return { info, items: [] };
    }
  });
  for (const { info, items } of lists) {
    for (const item of items) {
      result.objects.set(
        `${item.metadata.namespace ?? ''}_${item.metadata.name}_${info.group}_${info.kind}`,
        item,
      );
    }
  }
  return result;
}

/** The list an object's live state comes from: its kind, in its namespace when namespaced. */
export function scopeOf(desired: DesiredObject): string {
  return scopeKey(desired.info, desired.info.namespaced ? desired.entry.namespace || undefined : undefined);
}

function scopeKey(info: ResourceInfo, namespace: string | undefined): string {
  return `${kindKey(info)}@${namespace ?? ''}`;
}

/** The workloads that HPAs scale: those in Git, and the live ones in the rendered workloads' namespaces. */
export async function findHpaTargets(
  ctx: SyncContext,
  objects: readonly DesiredObject[],
): Promise<Set<string>> {
  const workloads = objects.filter((d) => SCALABLE_KINDS.has(d.entry.kind));
  if (workloads.length === 0) return new Set();
  const rendered = objects.filter((d) => d.entry.kind === 'HorizontalPodAutoscaler').map((d) => d.object);
  const info =
    (await ctx.discovery.find('autoscaling/v2', 'HorizontalPodAutoscaler')) ??
    (await ctx.discovery.find('autoscaling/v1', 'HorizontalPodAutoscaler'));
  if (!info) return hpaTargetsOf(rendered);
  const namespaces = [...new Set(workloads.map((d) => d.entry.namespace).filter((ns) => ns !== ''))];
  const lists = await mapLimit(namespaces, ctx.concurrency, async (namespace) => {
    try {
      return (await ctx.api.list(info, { namespace })).items;
    } catch (error) {
      // Without the live HPAs, only those in Git are known: replicas of other targets are applied.
      const message = describeFailure(error, false).message;
      ctx.logger.warn({ err: message, namespace }, 'cannot list HorizontalPodAutoscalers');
      return [];
    }
  });
  return hpaTargetsOf([...lists.flat(), ...rendered]);
}

/** Waits until the CRDs just applied are Established, then forgets their group/versions. */
export async function waitEstablished(
  ctx: SyncContext,
  crds: readonly DesiredObject[],
  afters: readonly KubeObject[],
): Promise<KubeObject[]> {
  const established = await mapLimit(crds, ctx.concurrency, async (crd) => {
    const deadline = ctx.now() + ctx.crdTimeoutMs;
    let current = afters.find((a) => a.metadata.name === crd.entry.name);
    while (!current || computeHealth(current).status !== 'Current') {
      if (ctx.now() > deadline) {
        ctx.logger.warn({ crd: crd.entry.name }, 'CRD not established in time');
        break;
      }
      await ctx.sleep(50);
      current = await ctx.api.get(crd.info, undefined, crd.entry.name);
    }
    const spec = isRecord(crd.object.spec) ? crd.object.spec : {};
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
    for (const version of versions) ctx.discovery.forget(`${String(spec.group)}/${String(version.name)}`);
    return current;
  });
  return established.filter((o) => o !== undefined);
}
