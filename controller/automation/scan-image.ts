/**
 * The one scan pipeline, used by the ImagePolicy reconciler, the annotation planner and the CLI:
 *   1. list the repository's tags;
 *   2. filter them with the policy (controller/policy);
 *   3. newest-build only: read build times of the candidates and of the current tag, a bounded
 *      number at a time (the registry client's per-host cap), in batches so progress moves. Tags
 *      the metadata cache knows cost no manifest GET; of the others at most the scanner's budget
 *      (default 100) are read per scan, picked by `buildTimePriority` (versions, then timestamps,
 *      then listing order), and the rest wait for later scans: the choice is then `provisional`,
 *      made among the candidates whose build time is known, and like any choice it never goes
 *      below the current tag (whose build time is always read);
 *   4. choose with `chooseLatestTag`, never below the current tag;
 *   5. when asked, read the digest of the chosen tag.
 * Error semantics (DESIGN §0 promise 2, "never a downgrade"):
 * - NOT_FOUND for a candidate: it was deleted while scanning; it is skipped.
 * - NOT_FOUND for the current tag: it "vanished" only when the tag list no longer has it; it is
 *   still ranked by its name where the ordering allows (semver, numerical, alphabetical), and
 *   under newest-build its unknown build time keeps it (reason `CurrentUnknown`). A current tag
 *   that is listed yet not found is an inconsistent registry: the scan fails.
 * - Any other registry error (RATE_LIMITED, UNAVAILABLE, UNAUTHORIZED, TIMEOUT, INVALID_RESPONSE,
 *   …) fails the scan of this image: the caller changes nothing and says why.
 * Errors that are not RegistryErrors are bugs and are thrown.
 */
import { isRegistryError, RegistryError } from '../../registry/index.ts';
import {
  buildTimePriority,
  type Candidate,
  type ChooseResult,
  chooseLatestTag,
  classifyTag,
  filterTags,
  needsBuildTime,
  type TagPolicy,
} from '../policy/index.ts';
import type { ImageScanner } from './image-scanner.ts';

/** Input of `scanImage`. */
export interface ScanImageInput {
  readonly scanner: ImageScanner;
  /** The repository without tag, e.g. `127.0.0.1:5000/flask`. */
  readonly repository: string;
  readonly policy: TagPolicy;
  /** The tag in use now (in Git, or an ImagePolicy's recorded latest tag); default none: the top candidate wins. */
  readonly current?: string | undefined;
  /**
   * What a current tag the registry no longer lists counts for: `rank` (default) keeps it as the
   * floor, `ignore` scans as if there were no current tag (an ImagePolicy whose spec changed).
   */
  readonly vanishedCurrent?: 'rank' | 'ignore' | undefined;
  /** Also read the manifest digest of the chosen tag (digest pinning, ImagePolicy status); default false. */
  readonly withDigest?: boolean | undefined;
  /** Called with a short description of the step (`reading build times of x: 64/120`); default none. */
  readonly onProgress?: ((text: string) => void) | undefined;
}

/** A completed scan. */
export interface ImageScan {
  readonly ok: true;
  /** Every tag the registry listed, in registry order. */
  readonly tags: string[];
  readonly candidates: Candidate[];
  /** Build times read (newest-build ordering only, else undefined). */
  readonly created: Map<string, Date> | undefined;
  /** Candidates deleted between listing and reading their build time. */
  readonly vanished: string[];
  /** True when a current tag was given and the registry no longer lists it. */
  readonly currentVanished: boolean;
  /** Candidates whose build time was left for a later scan by the budget (newest-build only, else 0). */
  readonly deferred: number;
  /** True when `deferred` > 0: the choice is the best of the candidates known so far. */
  readonly provisional: boolean;
  readonly result: ChooseResult;
  /** Digest of `result.tag`, when asked for and the tag is still listed. */
  readonly digest: string | undefined;
}

/** A scan that failed: change nothing for this image, and report `message`. */
export interface ScanFailure {
  readonly ok: false;
  /** The registry error's code, e.g. `RATE_LIMITED`. */
  readonly code: RegistryError['code'];
  /** One sentence for conditions and Events: the registry error's message. */
  readonly message: string;
  readonly error: RegistryError;
}

/** The outcome of `scanImage`. */
export type ScanOutcome = ImageScan | ScanFailure;

/** Build times are read in batches this big, so progress moves on large repositories. */
const BATCH = 64;

/** Build times of tags not seen before read at most per image per scan, unless the scanner says otherwise. */
export const DEFAULT_BUILD_TIME_BUDGET = 100;

/** Runs the pipeline for one image; see the module comment for the rules. */
export async function scanImage(input: ScanImageInput): Promise<ScanOutcome> {
  try {
    return await scan(input);
  } catch (error) {
    if (isRegistryError(error)) return { ok: false, code: error.code, message: error.message, error };
    throw error;
  }
}

async function scan(input: ScanImageInput): Promise<ImageScan> {
  const { scanner, repository, policy } = input;
  const progress = input.onProgress ?? (() => {});
  progress(`listing tags of ${repository}`);
  const tags = await scanner.listTags(repository);
  const candidates = filterTags(tags, policy);
  const currentVanished = input.current !== undefined && !tags.includes(input.current);
  const current = currentVanished && input.vanishedCurrent === 'ignore' ? undefined : input.current;
  let created: Map<string, Date> | undefined;
  const vanished: string[] = [];
  let considered = candidates;
  let deferred = 0;
  if (needsBuildTime(policy)) {
    created = new Map();
    const plan = planReads(scanner, repository, candidates, current, policy);
    deferred = plan.deferred.size;
    if (deferred > 0) considered = candidates.filter((candidate) => !plan.deferred.has(candidate.tag));
    const names = plan.read;
    for (let start = 0; start < names.length; start += BATCH) {
      progress(`reading build times of ${repository}: ${start}/${names.length}`);
      const times = await scanner.createdTimes(repository, names.slice(start, start + BATCH));
      for (const [tag, time] of times.created) created.set(tag, time);
      for (const [tag, error] of times.notFound) {
        if (tag !== current) vanished.push(tag);
        else if (!currentVanished) throw listedButMissing(current, error);
      }
    }
  }
  const result = chooseLatestTag({ policy, candidates: considered, current, created });
  const chosenListed = result.tag !== undefined && tags.includes(result.tag);
  const digest =
    input.withDigest && chosenListed && result.tag !== undefined
      ? await scanner.digest(repository, result.tag)
      : undefined;
  const provisional = deferred > 0;
  return {
    ok: true,
    tags,
    candidates,
    created,
    vanished,
    currentVanished,
    deferred,
    provisional,
    result,
    digest,
  };
}

interface ReadPlan {
  /** Tags whose build time this scan reads: the known ones, the budget's pick, the current tag. */
  readonly read: string[];
  /** Candidates left for a later scan. */
  readonly deferred: Set<string>;
}

/** Which build times to read now; see step 3 of the module comment. */
function planReads(
  scanner: ImageScanner,
  repository: string,
  candidates: readonly Candidate[],
  current: string | undefined,
  policy: TagPolicy,
): ReadPlan {
  const names = candidates.map((candidate) => candidate.tag);
  // The current tag's build time too (only when the filter passes it: otherwise it cannot be
  // ordered anyway), read even when unlisted: the metadata cache may still know it.
  const withCurrent =
    current !== undefined && !names.includes(current) && typeof classifyTag(current, policy) !== 'string';
  const budget = scanner.buildTimeBudget ?? DEFAULT_BUILD_TIME_BUDGET;
  const known = scanner.knownTags?.(repository, names) ?? new Set<string>();
  const unknown = names.filter((tag) => !known.has(tag) && tag !== current);
  if (budget <= 0 || unknown.length <= budget)
    return { read: withCurrent && current !== undefined ? [...names, current] : names, deferred: new Set() };
  const picked = new Set(buildTimePriority(unknown).slice(0, budget));
  const read = names.filter((tag) => known.has(tag) || tag === current || picked.has(tag));
  if (withCurrent && current !== undefined) read.push(current);
  return { read, deferred: new Set(unknown.filter((tag) => !picked.has(tag))) };
}

/** A registry that lists a tag it cannot serve is inconsistent, not a sign the tag is gone. */
function listedButMissing(current: string, error: RegistryError): RegistryError {
  const message = `the registry lists the current tag "${current}" but cannot find it: ${error.message}`;
  return new RegistryError('NOT_FOUND', message, {
    registry: error.registry,
    repository: error.repository,
    status: error.status,
    cause: error,
    retryable: true,
  });
}
