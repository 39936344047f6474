// GitSync `spec.dependsOn` (as Flux's Kustomization): a GitSync waits, syncing nothing, until every
// GitSync it names is Ready for its current generation. A namespace left out means the GitSync's
// own; with `--no-cross-namespace-refs` a dependency in another namespace is refused. A
// dependency this controller does not see (missing, or in another shard) keeps it waiting.
import type { GitSync } from '../api/types.ts';

/** How often a waiting GitSync looks again, besides being woken when a dependency turns Ready. */
export const DEPENDENCY_RETRY_MS = 30_000;

/** Why a GitSync may not sync yet: the condition reason and message. */
export interface DependencyWait {
  reason: 'DependencyNotReady' | 'InvalidDependency';
  message: string;
  /** `<namespace>/<name>` of the dependencies it waits for. */
  waitingFor: string[];
}

/** Whether a GitSync is Ready for the generation it has now. */
export function readyNow(gitsync: GitSync): boolean {
  const ready = gitsync.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return false;
  const { generation } = gitsync.metadata;
  return (
    ready.observedGeneration === undefined ||
    generation === undefined ||
    ready.observedGeneration === generation
  );
}

/** The dependencies of `gitsync` that are not Ready, or undefined when it may sync. */
export function dependencyWait(
  gitsync: GitSync,
  get: (namespace: string, name: string) => GitSync | undefined,
  noCrossNamespaceRefs: boolean,
): DependencyWait | undefined {
  const own = gitsync.metadata.namespace ?? 'default';
  const refs = (gitsync.spec.dependsOn ?? []).map((d) => ({ namespace: d.namespace ?? own, name: d.name }));
  const self = refs.find((r) => r.namespace === own && r.name === gitsync.metadata.name);
  if (self)
    return {
      reason: 'InvalidDependency',
      message: 'spec.dependsOn names this GitSync itself',
      waitingFor: [],
    };
  const foreign = noCrossNamespaceRefs ? refs.find((r) => r.namespace !== own) : undefined;
  if (foreign) {
    return {
      reason: 'InvalidDependency',
      message: `spec.dependsOn names ${foreign.namespace}/${foreign.name} in another namespace, which --no-cross-namespace-refs forbids`,
      waitingFor: [],
    };
  }
  const notReady: string[] = [];
  const details: string[] = [];
  for (const ref of refs) {
    const key = `${ref.namespace}/${ref.name}`;
    const dependency = get(ref.namespace, ref.name);
    if (dependency && readyNow(dependency)) continue;
    notReady.push(key);
    if (!dependency) details.push(`${key} not found (with sharding, it must be in the same shard)`);
    else {
      const ready = dependency.status?.conditions?.find((c) => c.type === 'Ready');
      details.push(ready ? `${key} is not ready: ${ready.reason}` : `${key} has not synced yet`);
    }
  }
  if (notReady.length === 0) return undefined;
  return {
    reason: 'DependencyNotReady',
    message: `waiting for ${details.join('; ')}`,
    waitingFor: notReady,
  };
}
