// What `list-images` shows for one container: the tags available under its policy (a tag filter
// annotation, or the ImagePolicy it names), best first, with the current tag and the candidate the
// automation would move to marked. Registry credentials: the flags first, then the workload's
// pull secrets (imagePullSecrets and ServiceAccount) or the ImagePolicy's secretRef.

import {
  type CredentialProvider,
  chainCredentials,
  isRegistryError,
  type RegistryClient,
} from '../../registry/index.ts';
import { resourcePath } from '../api/paths.ts';
import type { ImagePolicy } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';
import { type PullSecretSources, readPullSecrets } from '../kube/secrets.ts';
import { type Container, splitImageReference, type Workload } from '../manifests/index.ts';
import {
  explainTag,
  policyFromAnnotations,
  policyFromSpec,
  type TagPolicy,
  type VerdictReason,
} from '../policy/index.ts';
import { messageOf } from './errors.ts';
import { gitSyncKey } from './gitsyncs.ts';
import { type PolicyScan, scanPolicy } from './policy-scan.ts';
import type { RepoContext, RepoWorkloads } from './repositories.ts';
import { workloadId, workloadNamespace } from './workload-ref.ts';

/** One tag in a listing. */
export interface ListedTag {
  tag: string;
  /** The image's build time (config `created`); null when unknown. */
  created: string | null;
  current: boolean;
  candidate: boolean;
  /** The policy's verdict on the tag: filtered out and why, or where it ranks. */
  verdict: { reason: VerdictReason; message: string };
}

/** One container, as `list-images -o json` prints it. */
export interface ImageListing {
  gitsync: string;
  workload: string;
  container: string;
  /** The image as written in the manifest. */
  image: string;
  repository: string;
  currentTag: string | null;
  automated: boolean;
  locked: boolean;
  /** `glob:…` from the annotation, or `ImagePolicy ns/name`; null when the container has neither. */
  policy: string | null;
  /**
   * Every tag of the repository newest first (by build time; tags without one last), at most
   * `--limit`, plus the current tag and the candidate when they are further down.
   */
  tags: ListedTag[];
  tagCount: number;
  candidateCount: number;
  /** The tag the policy picks (the current one when it stays); null when no tag qualifies. */
  candidate: string | null;
  /** True when the candidate differs from the current tag: automation would move to it. */
  update: boolean;
  /** Why (the policy engine's sentence), or why nothing was scanned. */
  message: string;
  /** Set when the scan failed (the registry, a missing ImagePolicy, a bad filter). */
  error: string | null;
}

/** What listing needs besides the container. */
export interface ListingContext {
  registry: RegistryClient;
  client: KubeClient;
  repo: RepoContext;
  found: RepoWorkloads;
  /** Credentials from the command's flags; default none. */
  flagCredentials: CredentialProvider | undefined;
  platform: string | undefined;
  /** Tags shown per container (0 = all). */
  limit: number;
  onProgress: (text: string) => void;
  /** Where credential problems are reported (they do not stop the scan). */
  warn: (message: string) => void;
}

/** The listing of one container. */
export async function listContainerImages(
  ctx: ListingContext,
  workload: Workload,
  container: Container,
): Promise<ImageListing> {
  const current = splitImageReference(container.image);
  const base: ImageListing = {
    gitsync: gitSyncKey(ctx.repo.gitsync),
    workload: workloadId(workload, ctx.repo.targetNamespace),
    container: container.name,
    image: container.image,
    repository: current.name,
    currentTag: current.tag ?? null,
    automated: workload.automated,
    locked: workload.locked,
    policy: null,
    tags: [],
    tagCount: 0,
    candidateCount: 0,
    candidate: null,
    update: false,
    message: '',
    error: null,
  };
  const namespace = workloadNamespace(workload, ctx.repo.targetNamespace) ?? 'default';
  let source: {
    policy: TagPolicy;
    image: string;
    credentials: CredentialProvider | undefined;
    label: string;
  };
  try {
    const found = await policySource(ctx, workload, container, namespace);
    if (found === undefined) {
      return { ...base, message: 'no tag filter or ImagePolicy: automation never updates this container' };
    }
    source = found;
  } catch (error) {
    return { ...base, error: messageOf(error), message: messageOf(error) };
  }
  const listing = { ...base, policy: source.label, repository: source.image };
  const credentials = chain(ctx.flagCredentials, source.credentials);
  try {
    const scan = await scanPolicy(ctx.registry, {
      image: source.image,
      policy: source.policy,
      current: current.tag,
      credentials,
      platform: ctx.platform,
      onProgress: ctx.onProgress,
    });
    const candidate = scan.result.tag ?? null;
    const tags = await listedTags(ctx, scan, { policy: source.policy, credentials, current: current.tag });
    const message = workload.locked ? `locked; otherwise: ${scan.result.message}` : scan.result.message;
    const counts = { tagCount: scan.tags.length, candidateCount: scan.candidates.length };
    return { ...listing, ...counts, tags, candidate, update: scan.result.update, message };
  } catch (error) {
    return { ...listing, error: messageOf(error), message: messageOf(error) };
  }
}

/** The policy, repository and credentials for a container; undefined when it has no policy. */
async function policySource(
  ctx: ListingContext,
  workload: Workload,
  container: Container,
  namespace: string,
) {
  if (container.policyRef) {
    const ns = container.policyRef.namespace ?? namespace;
    const policy = await getImagePolicy(ctx.client, ns, container.policyRef.name);
    const rules = policyFromSpec(policy.spec);
    if (!rules.ok) throw new Error(`ImagePolicy ${ns}/${policy.metadata.name}: ${rules.error.message}`);
    const secretNames = policy.spec.secretRef ? [policy.spec.secretRef.name] : [];
    const credentials = await pullSecrets(ctx, ns, {
      secretNames,
      serviceAccountName: policy.spec.serviceAccountName,
    });
    return {
      policy: rules.value,
      image: policy.spec.image,
      credentials,
      label: `ImagePolicy ${ns}/${policy.metadata.name}`,
    };
  }
  if (container.filter === undefined) return undefined;
  const rules = policyFromAnnotations({
    filter: container.filter,
    sort: container.sort,
    referrerTags: container.referrerTags,
  });
  if (!rules.ok) throw new Error(`tag filter ${container.filter}: ${rules.error.message}`);
  const credentials = await pullSecrets(ctx, namespace, workload.pullSecrets);
  const current = splitImageReference(container.image);
  const label = container.sort ? `${container.filter} (sort ${container.sort})` : container.filter;
  return { policy: rules.value, image: current.name, credentials, label };
}

async function getImagePolicy(client: KubeClient, namespace: string, name: string): Promise<ImagePolicy> {
  try {
    return (await client.request({
      method: 'GET',
      path: resourcePath('imagepolicies', namespace, name),
      what: `get ImagePolicy ${namespace}/${name}`,
    })) as ImagePolicy;
  } catch (error) {
    if (isKubeError(error, 'NotFound')) throw new Error(`ImagePolicy ${namespace}/${name} not found`);
    throw error;
  }
}

async function pullSecrets(
  ctx: ListingContext,
  namespace: string,
  sources: PullSecretSources,
): Promise<CredentialProvider | undefined> {
  const { secretNames = [], serviceAccountName, implicitServiceAccountName } = sources;
  if (secretNames.length === 0 && !serviceAccountName && !implicitServiceAccountName) return undefined;
  const result = await readPullSecrets(ctx.client, namespace, sources);
  if (result.ok) return result.credentials;
  ctx.warn(`${result.message}; scanning without it`);
  return undefined;
}

function chain(...providers: (CredentialProvider | undefined)[]): CredentialProvider | undefined {
  const present = providers.filter((p): p is CredentialProvider => p !== undefined);
  return present.length === 0 ? undefined : chainCredentials(...present);
}

/** Build times are read for every tag (as `fluxctl list-images` showed them) up to this many tags. */
const MAX_DATED_TAGS = 1000;

/** Every tag newest first with the policy's verdict, cut to `--limit` (current and candidate kept). */
async function listedTags(
  ctx: ListingContext,
  scan: PolicyScan,
  options: { policy: TagPolicy; credentials: CredentialProvider | undefined; current: string | undefined },
): Promise<ListedTag[]> {
  const created = await buildTimes(ctx, scan, options.credentials);
  const best = scan.ranked[0];
  const candidate = scan.result.tag;
  const all = scan.tags.map((tag): ListedTag => {
    const verdict = explainTag({ policy: options.policy, candidates: scan.candidates, created, tag, best });
    return {
      tag,
      created: created.get(tag)?.toISOString() ?? null,
      current: tag === options.current,
      candidate: tag === candidate,
      verdict: { reason: verdict.reason, message: verdict.message },
    };
  });
  all.sort(newestFirst);
  if (ctx.limit === 0) return all;
  const shown = all.slice(0, ctx.limit);
  return [...shown, ...all.slice(ctx.limit).filter((t) => t.current || t.candidate)];
}

/** Newest build first; tags without a build time last, later-sorting names first. */
function newestFirst(a: ListedTag, b: ListedTag): number {
  if (a.created !== b.created) {
    if (a.created === null) return 1;
    if (b.created === null) return -1;
    return a.created < b.created ? 1 : -1;
  }
  return a.tag < b.tag ? 1 : a.tag > b.tag ? -1 : 0;
}

/** The build times the scan read, plus those of the other tags (display only; a failure is a warning). */
async function buildTimes(
  ctx: ListingContext,
  scan: PolicyScan,
  credentials: CredentialProvider | undefined,
): Promise<Map<string, Date>> {
  const created = new Map(scan.created ?? []);
  const missing = scan.tags.filter((tag) => !created.has(tag));
  if (missing.length === 0) return created;
  if (scan.tags.length > MAX_DATED_TAGS) {
    ctx.warn(`${scan.image} has ${scan.tags.length} tags: build times are shown for candidates only`);
    return created;
  }
  try {
    ctx.onProgress(`reading build times of ${scan.image}: ${missing.length} tags`);
    const read = await ctx.registry.getCreatedTimes(scan.image, missing, {
      credentials,
      ...(ctx.platform ? { platform: ctx.platform } : {}),
    });
    for (const [tag, time] of read.created) created.set(tag, time);
  } catch (error) {
    if (!isRegistryError(error)) throw error;
    ctx.warn(`build times of ${scan.image}: ${error.message}; tags without one are listed last`);
  }
  return created;
}
