// Workload references as users type them (fluxctl's `namespace:kind/name`, kind in any case) and
// as the CLI prints them, matched against the workloads found in a repository.
import type { Workload } from '../manifests/index.ts';
import { UsageError } from './errors.ts';

/** A parsed `--workload` value. */
export interface WorkloadSelector {
  /** Undefined for `kind/name`: any namespace. */
  namespace: string | undefined;
  /** Lower case. */
  kind: string;
  name: string;
  /** What the user typed, for messages. */
  text: string;
}

/** Parses `ns:kind/name` or `kind/name`; anything else is a UsageError. */
export function parseWorkloadRef(text: string): WorkloadSelector {
  const match = /^(?:([^:/\s]+):)?([A-Za-z][A-Za-z0-9]*)\/([^:/\s]+)$/.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `--workload "${text}": expected namespace:kind/name, e.g. my-demo:deployment/fluxdemo`,
    );
  }
  const [, namespace, kind = '', name = ''] = match;
  return { namespace, kind: kind.toLowerCase(), name, text };
}

/** The namespace a workload is applied to: its own, else the GitSync's targetNamespace. */
export function workloadNamespace(
  workload: Workload,
  targetNamespace: string | undefined,
): string | undefined {
  return workload.namespace ?? targetNamespace;
}

/** `ns:kind/name` (kind lower case), the form `--workload` takes; `kind/name` without a namespace. */
export function workloadId(workload: Workload, targetNamespace: string | undefined): string {
  const namespace = workloadNamespace(workload, targetNamespace);
  const id = `${workload.kind.toLowerCase()}/${workload.name}`;
  return namespace === undefined ? id : `${namespace}:${id}`;
}

/** The workloads the selector names. */
export function matchWorkloads(
  workloads: readonly Workload[],
  selector: WorkloadSelector,
  targetNamespace: string | undefined,
): Workload[] {
  return workloads.filter(
    (workload) =>
      workload.kind.toLowerCase() === selector.kind &&
      workload.name === selector.name &&
      (selector.namespace === undefined ||
        workloadNamespace(workload, targetNamespace) === selector.namespace),
  );
}

/** The one workload the selector names; none or several is a UsageError that lists the candidates. */
export function findWorkload(
  workloads: readonly Workload[],
  selector: WorkloadSelector,
  context: { targetNamespace: string | undefined; where: string },
): Workload {
  const found = matchWorkloads(workloads, selector, context.targetNamespace);
  const [only] = found;
  if (only && found.length === 1) return only;
  if (found.length > 1) {
    const places = found.map((w) => `${workloadId(w, context.targetNamespace)} in ${w.path}`).join(', ');
    throw new UsageError(`--workload ${selector.text} matches ${found.length} workloads: ${places}`);
  }
  const known = workloads.map((w) => workloadId(w, context.targetNamespace));
  const list = known.length === 0 ? 'it has no workloads' : `workloads: ${[...new Set(known)].join(', ')}`;
  throw new UsageError(`no workload ${selector.text} in ${context.where} (${list})`);
}
