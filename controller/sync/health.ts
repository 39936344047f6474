/**
 * kstatus-style readiness: `Current` (ready), `InProgress` (the controller has not caught up),
 * `Failed` (it gave up: `ProgressDeadlineExceeded`, a failed Job, a rejected CRD) for
 * Deployments, StatefulSets, DaemonSets, Jobs and CRDs. Other kinds are `Current` once they
 * exist, unless they report an `observedGeneration` behind their `generation` or a `Ready=False`.
 */
import { isRecord, type KubeObject } from '../kube/types.ts';

/** The verdict without identity. */
export interface Health {
  status: 'Current' | 'InProgress' | 'Failed' | 'Unknown';
  message: string;
}

type Conditions = Map<string, { status: string; reason: string; message: string }>;

/** Computes the readiness of one live object. */
export function computeHealth(object: KubeObject): Health {
  if (object.metadata.deletionTimestamp) return inProgress('being deleted');
  const status = isRecord(object.status) ? object.status : {};
  const conditions = conditionsOf(status);
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  if (group === 'apiextensions.k8s.io' && object.kind === 'CustomResourceDefinition')
    return crdHealth(conditions);
  if (group === 'batch' && object.kind === 'Job') return jobHealth(status, conditions);
  const stale = generationStale(object, status);
  if (stale) return stale;
  if (group === 'apps' && object.kind === 'Deployment') return deploymentHealth(object, status, conditions);
  if (group === 'apps' && object.kind === 'StatefulSet') return statefulSetHealth(object, status);
  if (group === 'apps' && object.kind === 'DaemonSet') return daemonSetHealth(status);
  const ready = conditions.get('Ready');
  if (ready?.status === 'False') return inProgress(ready.message || ready.reason || 'Ready is False');
  return current('resource is current');
}

function deploymentHealth(
  object: KubeObject,
  status: Record<string, unknown>,
  conditions: Conditions,
): Health {
  const progressing = conditions.get('Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { status: 'Failed', message: progressing.message || 'progress deadline exceeded' };
  }
  const wanted = specReplicas(object);
  const updated = num(status.updatedReplicas);
  const available = num(status.availableReplicas);
  const total = num(status.replicas);
  if (updated < wanted) return inProgress(`${updated} of ${wanted} replicas updated`);
  if (total > updated) return inProgress(`${total - updated} old replicas pending termination`);
  if (available < wanted) return inProgress(`${available} of ${wanted} replicas available`);
  return current(`${available} replicas available`);
}

function statefulSetHealth(object: KubeObject, status: Record<string, unknown>): Health {
  const wanted = specReplicas(object);
  const ready = num(status.readyReplicas);
  const updated = num(status.updatedReplicas);
  if (ready < wanted) return inProgress(`${ready} of ${wanted} replicas ready`);
  const spec = isRecord(object.spec) ? object.spec : {};
  const strategy = isRecord(spec.updateStrategy) ? spec.updateStrategy.type : undefined;
  if (strategy !== 'OnDelete' && updated < wanted)
    return inProgress(`${updated} of ${wanted} replicas updated`);
  if (status.updateRevision && status.currentRevision !== status.updateRevision && strategy !== 'OnDelete') {
    return inProgress('rollout in progress');
  }
  return current(`${ready} replicas ready`);
}

function daemonSetHealth(status: Record<string, unknown>): Health {
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  if (updated < desired) return inProgress(`${updated} of ${desired} pods updated`);
  if (available < desired) return inProgress(`${available} of ${desired} pods available`);
  return current(`${available} pods available`);
}

function jobHealth(status: Record<string, unknown>, conditions: Conditions): Health {
  const failed = conditions.get('Failed');
  if (failed?.status === 'True')
    return { status: 'Failed', message: failed.message || failed.reason || 'job failed' };
  if (conditions.get('Complete')?.status === 'True') return current('job complete');
  return inProgress(`${num(status.active)} active, ${num(status.succeeded)} succeeded`);
}

function crdHealth(conditions: Conditions): Health {
  const names = conditions.get('NamesAccepted');
  if (names?.status === 'False') return { status: 'Failed', message: names.message || 'names not accepted' };
  if (conditions.get('Established')?.status === 'True') return current('established');
  return inProgress('not yet established');
}

function generationStale(object: KubeObject, status: Record<string, unknown>): Health | undefined {
  const generation = object.metadata.generation;
  const observed = status.observedGeneration;
  const tracked =
    ['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind) && object.apiVersion.startsWith('apps/');
  if (typeof generation !== 'number') return undefined;
  if (typeof observed !== 'number')
    return tracked ? inProgress('not yet observed by its controller') : undefined;
  return observed < generation
    ? inProgress(`generation ${generation} not yet observed (at ${observed})`)
    : undefined;
}

function conditionsOf(status: Record<string, unknown>): Conditions {
  const conditions: Conditions = new Map();
  if (!Array.isArray(status.conditions)) return conditions;
  for (const c of status.conditions) {
    if (!isRecord(c) || typeof c.type !== 'string') continue;
    conditions.set(c.type, {
      status: String(c.status ?? ''),
      reason: String(c.reason ?? ''),
      message: String(c.message ?? ''),
    });
  }
  return conditions;
}

function specReplicas(object: KubeObject): number {
  const spec = isRecord(object.spec) ? object.spec : {};
  return typeof spec.replicas === 'number' ? spec.replicas : 1;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function current(message: string): Health {
  return { status: 'Current', message };
}

function inProgress(message: string): Health {
  return { status: 'InProgress', message };
}
