// One automation run of a GitSync, every step once: read the manifests (through the GitSync's parse
// cache), gather the registry credentials the workloads name, plan (scan + decide), then apply and
// commit the updates in one commit. After a rejected push the plan is made again on the new tree
// (so an image someone else moved further is never downgraded); otherwise it is made once.
// With a per-image branch template (`automation.push.branch: "tagpilot/{{policy}}"`) the updates are
// grouped by branch (branch-template.ts) and each group is committed on the sync head and pushed to
// its own branch, one after the other; a group that fails does not stop the others.
import { type CredentialProvider, chainCredentials } from '../../registry/index.ts';
import { commitAuthor, syncPaths } from '../api/defaults.ts';
import type { GitSync, ImagePolicy } from '../api/types.ts';
import type { Repository, TextFile } from '../git/index.ts';
import {
  findMarkers,
  findWorkloads,
  type ImageUpdate,
  type ManifestCache,
  type ManifestSet,
  type PullSecretRefs,
  readManifests,
  type Workload,
} from '../manifests/index.ts';
import {
  type BranchGroup,
  BranchTemplateError,
  checkBranchTemplate,
  groupByBranch,
  isBranchTemplate,
  policyNameOf,
  renderBranch,
} from './branch-template.ts';
import { type CommitAndPushOptions, type CommitAndPushResult, commitAndPush } from './commit-updates.ts';
import type { ImageScanner } from './image-scanner.ts';
import { memoizeScanner } from './image-scanner.ts';
import {
  effectiveNamespace,
  type NamespaceScope,
  namespaceScope,
  referrerNamespaces,
} from './namespace-scope.ts';
import { planImageUpdates, type UpdatePlan } from './plan-updates.ts';
import { policyStates } from './policy-states.ts';

/**
 * Reads the dockerconfigjson Secrets a pod spec names, in `namespace` (with the GitSync's rights):
 * the credentials, or why not (a value: it ends up in status and Events).
 */
export type PullSecretReader = (
  namespace: string,
  refs: PullSecretRefs,
) => Promise<{ ok: true; credentials: CredentialProvider | undefined } | { ok: false; message: string }>;

/** Makes an ImageScanner with the given credentials. */
export type ScannerFactory = (options: { credentials?: CredentialProvider }) => ImageScanner;

/** Input of `runAutomation`. */
export interface AutomationInput {
  gitsync: GitSync;
  repo: Repository;
  /** The files under the GitSync's path at the commit to automate. */
  files: readonly TextFile[];
  policies: readonly ImagePolicy[];
  scanners: ScannerFactory;
  readPullSecrets: PullSecretReader;
  /** The GitSync's parse cache, kept between runs. Default: a fresh one per run. */
  manifestCache?: ManifestCache | undefined;
  /**
   * With `--no-cross-namespace-refs`: the only namespace whose pull secrets are read and whose
   * ImagePolicies may be named (the GitSync's, or its targetNamespace). Default: any namespace.
   */
  confineTo?: string | undefined;
}

/** The outcome of one automation run. */
export interface AutomationRun {
  /** The plan of the final attempt (decisions for status, events and the CLI). */
  plan: UpdatePlan;
  /** The push to `automation.push.branch` (or the sync branch); undefined with a per-image template. */
  push: CommitAndPushResult | undefined;
  /** With a per-image branch template: one entry per branch that had updates, in branch order. */
  branches?: BranchPush[];
  /** Pull secrets that could not be read (the scan went on without them). */
  credentialProblems: string[];
}

/** What one per-image branch got: its push, or why it failed. */
export type BranchPush = {
  branch: string;
  /** The `{{policy}}` value. */
  policy: string;
  /** The images written, `repo:tag`, comma-separated. */
  image: string;
} & ({ push: CommitAndPushResult } | { error: string });

/** Runs image automation for one GitSync on the files of its current commit. */
export async function runAutomation(input: AutomationInput): Promise<AutomationRun> {
  const { gitsync, files } = input;
  const scope = namespaceScope(gitsync, input.confineTo);
  const cache = input.manifestCache;
  const first = readManifests(files, { cache });
  const workloads = findWorkloads(first);
  const { credentials, problems } = await workloadCredentials(input.readPullSecrets, workloads, scope);
  // One memoized scanner for the run: a re-plan after a rejected push does not scan again.
  const scanner = memoizeScanner(input.scanners(credentials ? { credentials } : {}));
  const policies = policyStates(input.policies);
  const plan = (set: ManifestSet, found: readonly Workload[]) =>
    planImageUpdates({
      workloads: found,
      markers: findMarkers(set).markers,
      policies,
      scanner,
      referrerNamespace: scope.confineTo === undefined ? undefined : referrerNamespaces(set, scope),
    });
  const firstPlan = await plan(first, workloads);
  const template = gitsync.spec.automation?.push?.branch;
  if (firstPlan.updates.length === 0)
    return {
      plan: firstPlan,
      push: undefined,
      ...(isBranchTemplate(template) ? { branches: [] } : {}),
      credentialProblems: problems,
    };
  // The plan made above holds for the same files; a new tree (after a rejected push) is planned again.
  const replan = async (current: readonly TextFile[]) => {
    if (sameFiles(current, files)) return firstPlan;
    const set = readManifests(current, { cache });
    return plan(set, findWorkloads(set));
  };
  const common: Omit<CommitAndPushOptions, 'updates'> = {
    repo: input.repo,
    path: syncPaths(gitsync.spec),
    author: commitAuthor(gitsync),
    ...(cache ? { manifestCache: cache } : {}),
    ...(gitsync.spec.automation?.commit?.messageTemplate
      ? { messageTemplate: gitsync.spec.automation.commit.messageTemplate }
      : {}),
  };
  if (isBranchTemplate(template)) {
    const why = checkBranchTemplate(template);
    if (why)
      throw new BranchTemplateError(
        `automation.push.branch ${JSON.stringify(template)}: ${why}; nothing was pushed`,
      );
    const home = gitsync.metadata.namespace ?? 'default';
    const groups = groupByBranch(firstPlan.updates, template, home);
    const branches: BranchPush[] = [];
    for (const group of groups) branches.push(await pushBranch(group, { common, replan, template, home }));
    const last = branches.findLast((b) => 'push' in b && b.push.plan !== undefined);
    const finalPlan = last && 'push' in last && last.push.plan ? last.push.plan : firstPlan;
    return { plan: finalPlan, push: undefined, branches, credentialProblems: problems };
  }
  const push = await commitAndPush({
    ...common,
    updates: replan,
    ...(template ? { pushBranch: template } : {}),
  });
  return { plan: push.plan ?? firstPlan, push, credentialProblems: problems };
}

/**
 * One per-image branch: the sync head plus only this group's updates (decided again on a new tree
 * after a rejected push, keeping only the updates that still go to this branch).
 */
async function pushBranch(
  group: BranchGroup,
  context: {
    common: Omit<CommitAndPushOptions, 'updates'>;
    replan: (files: readonly TextFile[]) => Promise<UpdatePlan>;
    template: string;
    home: string;
  },
): Promise<BranchPush> {
  const { branch, policy } = group;
  const image = group.updates.map((u) => `${u.image.repo}:${u.image.tag}`).join(', ');
  // `{{policy}}` alone and a policy named like the sync branch: never write the sync branch here.
  if (branch === context.common.repo.branch)
    return { branch, policy, image, error: `${branch} is the sync branch; nothing was pushed for ${policy}` };
  const mine = (update: ImageUpdate) =>
    renderBranch(context.template, policyNameOf(update, context.home)) === branch;
  try {
    const push = await commitAndPush({
      ...context.common,
      pushBranch: branch,
      updates: async (current) => {
        const decided = await context.replan(current);
        return { ...decided, updates: decided.updates.filter(mine) };
      },
    });
    return { branch, policy, image, push };
  } catch (error) {
    return { branch, policy, image, error: error instanceof Error ? error.message : String(error) };
  }
}

/** True when both lists hold the same paths with the same content, in the same order. */
function sameFiles(a: readonly TextFile[], b: readonly TextFile[]): boolean {
  return (
    a.length === b.length && a.every((file, i) => file.path === b[i]?.path && file.content === b[i]?.content)
  );
}

/** The pull secrets named by every workload, read from their namespaces. */
async function workloadCredentials(
  read: PullSecretReader,
  workloads: readonly Workload[],
  scope: NamespaceScope,
): Promise<{ credentials: CredentialProvider | undefined; problems: string[] }> {
  const wanted = new Map<string, { secrets: Set<string>; accounts: Set<string>; implicit: Set<string> }>();
  const problems: string[] = [];
  for (const workload of workloads) {
    const namespace = effectiveNamespace(scope, workload.namespace || undefined);
    if (scope.confineTo !== undefined && namespace !== scope.confineTo) {
      problems.push(
        `${workload.kind} ${namespace}/${workload.name}: pull secrets not read: refused: namespace ${namespace} is not the GitSync's namespace ${scope.confineTo} (--no-cross-namespace-refs)`,
      );
      continue;
    }
    const entry = wanted.get(namespace) ?? { secrets: new Set(), accounts: new Set(), implicit: new Set() };
    wanted.set(namespace, entry);
    const refs = workload.pullSecrets;
    for (const name of refs.secretNames) entry.secrets.add(name);
    if (refs.serviceAccountName) entry.accounts.add(refs.serviceAccountName);
    if (refs.implicitServiceAccountName) entry.implicit.add(refs.implicitServiceAccountName);
  }
  const providers: CredentialProvider[] = [];
  for (const [namespace, { secrets, accounts, implicit }] of wanted) {
    const requests: PullSecretRefs[] = [
      ...(secrets.size > 0 ? [{ secretNames: [...secrets] }] : []),
      ...[...accounts].map((name) => ({ secretNames: [], serviceAccountName: name })),
      ...[...implicit].map((name) => ({ secretNames: [], implicitServiceAccountName: name })),
    ];
    for (const request of requests) {
      const result = await read(namespace, request);
      if (!result.ok) problems.push(result.message);
      else if (result.credentials) providers.push(result.credentials);
    }
  }
  return { credentials: providers.length > 0 ? chainCredentials(...providers) : undefined, problems };
}
