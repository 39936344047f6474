// The automation step of a GitSync: decide image updates for the manifests of the synced commit,
// commit them once, push. Credentials for registry scans come from the pull secrets that the
// automated workloads name (pod spec imagePullSecrets and ServiceAccount) in their namespaces.

import { type CredentialProvider, chainCredentials } from '../../registry/index.ts';
import type { GitSync, ImagePolicy } from '../api/types.ts';
import { memoizeScanner } from '../automation/image-scanner.ts';
import { type PolicyState, planImageUpdates, type UpdatePlan } from '../automation/plan-updates.ts';
import { type CommitAndPushResult, commitAndPush, type Repository } from '../git/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { podServiceAccount, readPullSecrets } from '../kube/secrets.ts';
import {
  findMarkers,
  findWorkloads,
  type ManifestFile,
  readManifests,
  toKubeObjects,
} from '../manifests/index.ts';
import type { ScannerFactory } from './ports.ts';

/** The outcome of one automation run. */
export interface AutomationRun {
  plan: UpdatePlan;
  push: CommitAndPushResult | undefined;
  /** Pull secrets that could not be read (the scan went on without them). */
  credentialProblems: string[];
}

/** Runs image automation for one GitSync on the files of its current commit. */
export async function runAutomation(options: {
  gitsync: GitSync;
  repo: Repository;
  files: readonly ManifestFile[];
  policies: readonly ImagePolicy[];
  client: KubeClient;
  scanners: ScannerFactory;
  /**
   * With `--no-cross-namespace-refs`: the only namespace whose pull secrets are read and whose
   * ImagePolicies may be named (the GitSync's, or its targetNamespace). Default: any namespace.
   */
  confineTo?: string | undefined;
}): Promise<AutomationRun> {
  const { gitsync, repo, files } = options;
  const scope = namespaceScope(gitsync, options.confineTo);
  const { credentials, problems } = await workloadCredentials(options.client, files, scope);
  // One memoized scanner for the run: a re-plan after a rejected push does not scan again.
  const scanner = memoizeScanner(options.scanners(credentials ? { credentials } : {}));
  const policies = policyStates(options.policies);
  let plan: UpdatePlan = { updates: [], decisions: [], automatedWorkloads: 0 };
  // Decides on the files it is given: commitAndPush re-runs it on the new tree after a rejected
  // push, so an image someone else moved further meanwhile is never downgraded.
  const decide = async (current: readonly ManifestFile[]) => {
    const set = readManifests(current);
    plan = await planImageUpdates({
      workloads: findWorkloads(set),
      markers: findMarkers(set).markers,
      policies,
      scanner,
      referrerNamespace: scope.confineTo === undefined ? undefined : referrerNamespaces(set, scope),
    });
    return plan.updates;
  };
  if ((await decide(files)).length === 0) return { plan, push: undefined, credentialProblems: problems };
  const commit = gitsync.spec.automation?.commit;
  const push = await commitAndPush({
    repo,
    updates: decide,
    path: gitsync.spec.path ?? '.',
    author: {
      name: commit?.authorName ?? 'tagpilot',
      email: commit?.authorEmail ?? 'tagpilot@users.noreply.local',
    },
    ...(commit?.messageTemplate ? { messageTemplate: commit.messageTemplate } : {}),
    ...(gitsync.spec.automation?.push?.branch ? { pushBranch: gitsync.spec.automation.push.branch } : {}),
  });
  return { plan, push, credentialProblems: problems };
}

/** ImagePolicies by `<namespace>/<name>`, as the planner reads them. */
export function policyStates(policies: readonly ImagePolicy[]): Map<string, PolicyState> {
  const states = new Map<string, PolicyState>();
  for (const policy of policies) {
    const key = `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
    states.set(key, {
      image: policy.spec.image,
      latestTag: policy.status?.latestTag,
      latestDigest: policy.status?.latestDigest,
      pinDigest: policy.spec.digest === 'Always',
    });
  }
  return states;
}

interface PodSpecLike {
  imagePullSecrets?: { name?: string }[];
  serviceAccountName?: string;
  serviceAccount?: string;
}

/** Where a GitSync's namespaced objects land, and (with `--no-cross-namespace-refs`) must stay. */
interface NamespaceScope {
  /** For objects that name none: targetNamespace, else the GitSync's own. */
  defaultNamespace: string;
  /** The only namespace allowed, when confined. */
  confineTo: string | undefined;
  /** Confined with a targetNamespace: it replaces every object's own namespace (as the sync does). */
  override: boolean;
}

function namespaceScope(gitsync: GitSync, confineTo: string | undefined): NamespaceScope {
  const target = gitsync.spec.targetNamespace;
  return {
    defaultNamespace: target ?? gitsync.metadata.namespace ?? 'default',
    confineTo,
    override: confineTo !== undefined && target !== undefined,
  };
}

/** The namespace an object ends up in: the override, else its own, else the default. */
function effectiveNamespace(scope: NamespaceScope, written: string | undefined): string {
  if (scope.override) return scope.defaultNamespace;
  return written ?? scope.defaultNamespace;
}

/** The namespace of each workload and marker document, where the ImagePolicies it names must be. */
function referrerNamespaces(
  set: ReturnType<typeof readManifests>,
  scope: NamespaceScope,
): (at: { path: string; index: number; written: string | undefined }) => string {
  const documents = new Map<string, string | undefined>();
  for (const { path, index, object } of toKubeObjects(set).objects) {
    const namespace = (object.metadata as { namespace?: unknown } | undefined)?.namespace;
    documents.set(
      `${path}#${index}`,
      typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
    );
  }
  return ({ path, index, written }) =>
    effectiveNamespace(scope, written ?? documents.get(`${path}#${index}`));
}

/** The pull secrets named by every workload in the files, read from their namespaces. */
async function workloadCredentials(
  client: KubeClient,
  files: readonly ManifestFile[],
  scope: NamespaceScope,
): Promise<{ credentials: CredentialProvider | undefined; problems: string[] }> {
  const wanted = new Map<string, { secrets: Set<string>; accounts: Set<string>; implicit: Set<string> }>();
  const problems: string[] = [];
  for (const object of toKubeObjects(readManifests(files)).objects.flatMap(listedObjects)) {
    const spec = podSpecOf(object);
    if (!spec) continue;
    const metadata = (object.metadata ?? {}) as { namespace?: string; name?: string };
    const namespace = effectiveNamespace(scope, metadata.namespace || undefined);
    if (scope.confineTo !== undefined && namespace !== scope.confineTo) {
      problems.push(
        `${String(object.kind)} ${namespace}/${metadata.name ?? '<unnamed>'}: pull secrets not read: refused: namespace ${namespace} is not the GitSync's namespace ${scope.confineTo} (--no-cross-namespace-refs)`,
      );
      continue;
    }
    const entry = wanted.get(namespace) ?? { secrets: new Set(), accounts: new Set(), implicit: new Set() };
    wanted.set(namespace, entry);
    for (const ref of spec.imagePullSecrets ?? []) if (ref.name) entry.secrets.add(ref.name);
    const account = podServiceAccount(spec);
    if (account.serviceAccountName) entry.accounts.add(account.serviceAccountName);
    if (account.implicitServiceAccountName) entry.implicit.add(account.implicitServiceAccountName);
  }
  const providers: CredentialProvider[] = [];
  for (const [namespace, { secrets, accounts, implicit }] of wanted) {
    const requests = [
      { secretNames: [...secrets] },
      ...[...accounts].map((name) => ({ serviceAccountName: name })),
      ...[...implicit].map((name) => ({ implicitServiceAccountName: name })),
    ];
    for (const request of requests) {
      if ('secretNames' in request && request.secretNames.length === 0) continue;
      const result = await readPullSecrets(client, namespace, request);
      if (!result.ok) problems.push(result.message);
      else if (result.credentials) providers.push(result.credentials);
    }
  }
  return { credentials: providers.length > 0 ? chainCredentials(...providers) : undefined, problems };
}

/** The object, or the items of a `v1` `List` (whose workloads are automated like top-level ones). */
function listedObjects({ object }: { object: Record<string, unknown> }): Record<string, unknown>[] {
  if (object.apiVersion !== 'v1' || object.kind !== 'List' || !Array.isArray(object.items)) return [object];
  return object.items.filter(
    (item): item is Record<string, unknown> =>
      typeof item === 'object' && item !== null && !Array.isArray(item),
  );
}

function podSpecOf(object: Record<string, unknown>): PodSpecLike | undefined {
  const kind = object.kind;
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (kind === 'Pod') return spec as PodSpecLike;
  if (kind === 'CronJob') {
    const job = (spec.jobTemplate as { spec?: { template?: { spec?: PodSpecLike } } } | undefined)?.spec;
    return job?.template?.spec;
  }
  return (spec.template as { spec?: PodSpecLike } | undefined)?.spec;
}
