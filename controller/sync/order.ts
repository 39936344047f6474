/**
 * Apply order. Definitions first (CRDs, Namespaces, ClusterRoles: what other objects need to
 * exist), then everything else in parallel, and admission webhooks last so a webhook whose
 * Service is applied in the same sync cannot block that very sync. Prune runs the stages backwards.
 */

const FIRST: ReadonlySet<string> = new Set([
  'apiextensions.k8s.io/CustomResourceDefinition',
  '/Namespace',
  'rbac.authorization.k8s.io/ClusterRole',
]);

const LAST: ReadonlySet<string> = new Set([
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
]);

/** Number of stages. */
export const STAGE_COUNT = 3;

/** 0 = definitions, 1 = everything else, 2 = admission webhooks and policies. */
export function stageOf(group: string, kind: string): number {
  const key = `${group}/${kind}`;
  if (FIRST.has(key)) return 0;
  if (LAST.has(key)) return 2;
  return 1;
}

/** Splits items into stages (source order kept within a stage); empty stages are dropped. */
export function groupByStage<T>(
  items: readonly T[],
  identify: (item: T) => { group: string; kind: string },
): T[][] {
  const stages: T[][] = Array.from({ length: STAGE_COUNT }, () => []);
  for (const item of items) {
    const { group, kind } = identify(item);
    stages[stageOf(group, kind)]?.push(item);
  }
  return stages.filter((stage) => stage.length > 0);
}
