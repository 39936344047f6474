// The CLI's view of the one scan pipeline (controller/automation/scan-image.ts), shared by
// `check-policy` and `list-images`: the same list -> filter -> build times -> choose as the
// controller, with the ranked candidates added for display. A failed scan throws its RegistryError,
// which the commands report and turn into their exit code.

import {
  type CredentialProvider,
  formatReference,
  parseReference,
  type RegistryClient,
} from '../../registry/index.ts';
import { registryScanners } from '../automation/registry-scanner.ts';
import { type ImageScan, scanImage } from '../automation/scan-image.ts';
import { listCandidates, type OrderedTag, type TagPolicy } from '../policy/index.ts';

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
  /** Build times of new tags read at most (newest-build); 0 = all. Default 100. */
  buildTimeBudget?: number | undefined;
  /** Called with a short description of what is being done (`reading build times 64/120`). */
  onProgress?: ((text: string) => void) | undefined;
}

/** What one scan found. */
export interface PolicyScan extends Omit<ImageScan, 'ok' | 'digest'> {
  /** The repository without tag, normalised (`docker.io/library/nginx`). */
  image: string;
  /** Candidates that can be ranked, best first. */
  ranked: OrderedTag[];
}

/** Runs the scan pipeline; registry failures throw RegistryError. */
export async function scanPolicy(client: RegistryClient, input: PolicyScanInput): Promise<PolicyScan> {
  const ref = parseReference(input.image);
  const image = formatReference({ ...ref, tag: undefined, digest: undefined });
  const scanner = registryScanners(client, { buildTimeBudget: input.buildTimeBudget })({
    credentials: input.credentials,
    platform: input.platform,
  });
  const outcome = await scanImage({
    scanner,
    repository: image,
    policy: input.policy,
    current: input.current,
    onProgress: input.onProgress,
  });
  if (!outcome.ok) throw outcome.error;
  const { ok: _ok, digest: _digest, ...scan } = outcome;
  const ranked = listCandidates({ policy: input.policy, candidates: scan.candidates, created: scan.created });
  return { ...scan, image, ranked };
}
