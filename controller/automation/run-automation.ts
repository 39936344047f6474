// One automation run of a GitSync, every step once: read the manifests (through the GitSync's parse
// cache), gather the registry credentials the workloads name, plan (scan + decide), then apply and
// commit the updates in one commit. After a rejected push the plan is made again on the new tree
// (so an image someone else moved further is never downgraded); otherwise it is made once.
import { type CredentialProvider, chainCredentials } from '../../registry/index.ts';
import { commitAuthor, syncPaths } from '../api/defaults.ts';
import type { GitSync, ImagePolicy } from '../api/types.ts';
import type { Repository, TextFile } from '../git/index.ts';
import {
  findMarkers,
  findWorkloads,
  type ManifestCache,
  type ManifestSet,
  type PullSecretRefs,
  readManifests,
  type Workload,
} from '../manifests/index.ts';
import { type CommitAndPushResult, commitAndPush } from './commit-updates.ts';
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
  push: CommitAndPushResult | undefined;
  /** Pull secrets that could not be read (the scan went on without them). */
  credentialProblems: string[];
}

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
  if (firstPlan.updates.length === 0)
    return { plan: firstPlan, push: undefined, credentialProblems: problems };
  const push = await commitAndPush({
    repo: input.repo,
    // The plan made above holds for the same files; a new tree (after a rejected push) is planned again.
    updates: async (current) => {
      if (sameFiles(current, files)) return firstPlan;
      const set = readManifests(current, { cache });
      return plan(set, findWorkloads(set));
    },
    path: syncPaths(gitsync.spec),
    author: commitAuthor(gitsync),
    ...(cache ? { manifestCache: cache } : {}),
    ...(gitsync.spec.automation?.commit?.messageTemplate
      ? { messageTemplate: gitsync.spec.automation.commit.messageTemplate }
      : {}),
    ...(gitsync.spec.automation?.push?.branch ? { pushBranch: gitsync.spec.automation.push.branch } : {}),
  });
  return { plan: push.plan ?? firstPlan, push, credentialProblems: problems };
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
