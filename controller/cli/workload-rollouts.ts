// The rollout of each workload a GitSync applied, as `tagpilot status <gitsync>` shows it: ready
// and up-to-date Pods against the wanted count, and the images the Pod template runs — what
// `kubectl rollout status` and `kubectl get deploy -o wide` would say, for the GitSync's objects.
import type { InventoryEntry } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';
import { isRecord } from '../kube/types.ts';

/** One workload's rollout. */
export interface WorkloadRollout {
  /** `Deployment my-demo/fluxdemo`. */
  object: string;
  /** Pods wanted (spec.replicas; for a DaemonSet, nodes it should run on). */
  desired: number;
  ready: number;
  /** Pods running the current template. */
  updated: number;
  /** The images of the Pod template, container by container. */
  images: string[];
  /** `missing` when the object is gone; `forbidden` when the CLI's user may not read it. */
  problem?: 'missing' | 'forbidden';
}

/** The kinds whose rollouts are shown: group, kind, resource. */
const WORKLOADS: readonly [string, string, string][] = [
  ['apps', 'Deployment', 'deployments'],
  ['apps', 'StatefulSet', 'statefulsets'],
  ['apps', 'DaemonSet', 'daemonsets'],
];

/** At most this many workloads are read per GitSync (one GET each). */
export const MAX_ROLLOUTS = 50;

/** Reads the rollout of every workload in `inventory` (inventory ids are `namespace_name_group_kind`). */
export async function workloadRollouts(
  client: KubeClient,
  inventory: readonly InventoryEntry[],
): Promise<WorkloadRollout[]> {
  const workloads = inventory
    .map((entry) => {
      const [namespace = '', name = '', group = '', kind = ''] = entry.id.split('_');
      const known = WORKLOADS.find(([g, k]) => g === group && k === kind);
      return known ? { namespace, name, group, kind, resource: known[2], version: entry.v } : undefined;
    })
    .filter((w) => w !== undefined)
    .slice(0, MAX_ROLLOUTS);
  return Promise.all(
    workloads.map(async ({ namespace, name, group, kind, resource, version }) => {
      const object = `${kind} ${namespace}/${name}`;
      const empty = { object, desired: 0, ready: 0, updated: 0, images: [] };
      try {
        const live = await client.request({
          method: 'GET',
          path: `/apis/${group}/${version ?? 'v1'}/namespaces/${namespace}/${resource}/${name}`,
          what: `get ${object}`,
        });
        return rolloutOf(object, kind, isRecord(live) ? live : {});
      } catch (error) {
        if (isKubeError(error) && error.status === 404) return { ...empty, problem: 'missing' as const };
        if (isKubeError(error) && error.status === 403) return { ...empty, problem: 'forbidden' as const };
        throw error;
      }
    }),
  );
}

function rolloutOf(object: string, kind: string, live: Record<string, unknown>): WorkloadRollout {
  const spec = isRecord(live.spec) ? live.spec : {};
  const status = isRecord(live.status) ? live.status : {};
  const num = (value: unknown) => (typeof value === 'number' ? value : 0);
  const template = isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec : {};
  const containers = Array.isArray(template.containers) ? template.containers : [];
  const images = containers.map((c) => (isRecord(c) && typeof c.image === 'string' ? c.image : '?'));
  if (kind === 'DaemonSet') {
    return {
      object,
      desired: num(status.desiredNumberScheduled),
      ready: num(status.numberReady),
      updated: num(status.updatedNumberScheduled),
      images,
    };
  }
  return {
    object,
    desired: typeof spec.replicas === 'number' ? spec.replicas : 1,
    ready: num(status.readyReplicas),
    updated: num(status.updatedReplicas),
    images,
  };
}

/** An image as the table shows it: the last path element and its tag, `flaskapp:develop-v1.9.0`. */
export function shortImage(image: string): string {
  return image.slice(image.lastIndexOf('/') + 1);
}
