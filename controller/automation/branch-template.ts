// The per-image review branch: `automation.push.branch: "tagpilot/{{policy}}"` sends each image's
// update to its own branch (and pull request). `{{policy}}` is the only placeholder; it names the
// image an update is for:
//   - a `$imagepolicy` marker: the ImagePolicy's name, or `<namespace>-<name>` when the policy is
//     not in the GitSync's own namespace (where Flux keeps ImagePolicies next to the automation);
//   - an automated workload container: `<kind>-<name>-<container>`, kind in lower case
//     (`deployment-fluxdemo-flask`); the workload's namespace is not part of it.
// The value is made a valid Git ref component (`sanitizeRefComponent`). Updates whose names come
// out the same (two Deployments of one name in two namespaces) share one branch and one pull request.
import { checkBranchName, sanitizeRefComponent } from '../git/index.ts';
import type { ImageUpdate } from '../manifests/index.ts';

/** The one placeholder of `automation.push.branch`. */
export const POLICY_PLACEHOLDER = '{{policy}}';

/** True when `branch` is a per-image template (holds `{{policy}}`). */
export function isBranchTemplate(branch: string | undefined): branch is string {
  return branch?.includes(POLICY_PLACEHOLDER) === true;
}

/** The `{{policy}}` value of an update (see the header), already a valid ref component. */
export function policyNameOf(update: ImageUpdate, gitsyncNamespace: string): string {
  const target = update.target;
  if (target.type === 'marker') {
    const { namespace, name } = target.policy;
    return sanitizeRefComponent(namespace === gitsyncNamespace ? name : `${namespace}-${name}`);
  }
  return sanitizeRefComponent(
    `${target.workload.kind.toLowerCase()}-${target.workload.name}-${target.container}`,
  );
}

/** `template` with every `{{policy}}` replaced by `name`. */
export function renderBranch(template: string, name: string): string {
  return template.split(POLICY_PLACEHOLDER).join(name);
}

/** Why `template` cannot make valid branch names, or undefined. */
export function checkBranchTemplate(template: string): string | undefined {
  const rest = template.split(POLICY_PLACEHOLDER).join('');
  if (/[{}]/.test(rest)) return `only ${POLICY_PLACEHOLDER} may be written in braces`;
  const why = checkBranchName(renderBranch(template, 'x'));
  return why === undefined ? undefined : `it does not make a valid branch name: ${why}`;
}

/** The updates of one per-image branch. */
export interface BranchGroup {
  branch: string;
  /** The `{{policy}}` value. */
  policy: string;
  updates: ImageUpdate[];
}

/** The updates grouped by the branch they go to, in branch order (stable from run to run). */
export function groupByBranch(
  updates: readonly ImageUpdate[],
  template: string,
  gitsyncNamespace: string,
): BranchGroup[] {
  const groups = new Map<string, BranchGroup>();
  for (const update of updates) {
    const policy = policyNameOf(update, gitsyncNamespace);
    const branch = renderBranch(template, policy);
    const group = groups.get(branch) ?? { branch, policy, updates: [] };
    group.updates.push(update);
    groups.set(branch, group);
  }
  return [...groups.values()].sort((a, b) => (a.branch < b.branch ? -1 : a.branch > b.branch ? 1 : 0));
}

/** `automation.push.branch` holds a template that cannot make valid branch names. */
export class BranchTemplateError extends Error {
  readonly code = 'INVALID_BRANCH_TEMPLATE';
  /** The spec must change first. */
  readonly retryable = false;
  override readonly name = 'BranchTemplateError';
}
