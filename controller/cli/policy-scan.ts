// One dry run of a tag policy against a registry, shared by `check-policy` and `list-images`:
// list the tags, filter them, fetch build times for the candidates only (newest-build ordering),
// rank, and choose against the current tag. Progress is reported through a callback.

import {
  type CredentialProvider,
  formatReference,
  type ImageReference,
  parseReference,
  type RegistryClient,
} from '../../registry/index.ts';
import {
  type Candidate,
  type ChooseResult,
  chooseLatestTag,
  filterTags,
  listCandidates,
  needsBuildTime,
  type OrderedTag,
  type TagPolicy,
} from '../policy/index.ts';

/** What to scan. */
export interface PolicyScanInput {
  /** A repository (`host/path`); a tag or digest on it is ignored. */
  image: string;
  policy: TagPolicy;
  /** The tag running now; default none (the best candidate wins). */
  current?: string | undefined;
  /** Credentials for this registry; default the client's. */
  credentials?: CredentialProvider | undefined;
  /** Platform whose build time counts for multi-arch images; default linux/amd64. */
  platform?: string | undefined;
  /** Called with a short description of what is being done (`reading build times 40/120`). */
  onProgress?: ((text: string) => void) | undefined;
}

/** What one scan found. */
export interface PolicyScan {
  /** The repository without tag, normalised (`docker.io/library/nginx`). */
  image: string;
  /** Every tag the registry listed, in registry order. */
  tags: string[];
  candidates: Candidate[];
  /** Build times that were read (newest-build ordering only). */
  created: Map<string, Date> | undefined;
  /** Candidates that can be ranked, best first. */
  ranked: OrderedTag[];
  /** Candidates deleted between listing and reading their build time. */
  vanished: string[];
  result: ChooseResult;
}

/** Build times are read in batches this big, so progress moves. */
const BATCH = 32;

/** Runs the scan; registry failures throw RegistryError. */
export async function scanPolicy(client: RegistryClient, input: PolicyScanInput): Promise<PolicyScan> {
  const ref = parseReference(input.image);
  const repo: ImageReference = { ...ref, tag: undefined, digest: undefined };
  const name = formatReference(repo);
  const progress = input.onProgress ?? (() => {});
  progress(`listing tags of ${name}`);
  const tags = await client.listTags(repo, { credentials: input.credentials });
  const candidates = filterTags(tags, input.policy);
  let created: Map<string, Date> | undefined;
  const vanished: string[] = [];
  if (needsBuildTime(input.policy)) {
    created = new Map();
    const names = candidates.map((candidate) => candidate.tag);
    for (let start = 0; start < names.length; start += BATCH) {
      progress(`reading build times of ${name}: ${start}/${names.length}`);
      const times = await client.getCreatedTimes(repo, names.slice(start, start + BATCH), {
        credentials: input.credentials,
        platform: input.platform,
      });
      for (const [tag, time] of times.created) created.set(tag, time);
      vanished.push(...times.notFound.keys());
    }
  }
  const rank = { policy: input.policy, candidates, created };
  return {
    image: name,
    tags,
    candidates,
    created,
    ranked: listCandidates(rank),
    vanished,
    result: chooseLatestTag({ ...rank, current: input.current }),
  };
}
