// What the scan pipeline needs from registries, as an interface so credentials stay with the
// caller and the pipeline can be tested against the real registry client or a table of answers.
import type { CreatedTimes } from '../../registry/index.ts';

/** Reads tags and image metadata of repositories such as `127.0.0.1:5000/flaskapp`. */
export interface ImageScanner {
  /** Every tag of the repository. */
  listTags(repository: string): Promise<string[]>;
  /**
   * Build times (image config `created`) of some tags, a bounded number at a time; a tag whose
   * image has no `created` is in neither map, a tag the registry does not know (NOT_FOUND) is in
   * `notFound`, and any other failure rejects.
   */
  createdTimes(repository: string, tags: readonly string[]): Promise<CreatedTimes>;
  /** Manifest digest (`sha256:…`) of `repository:tag`. */
  digest(repository: string, tag: string): Promise<string>;
  /**
   * The tags whose build time `createdTimes` answers without a manifest or config GET (the
   * metadata cache knows their digest; at most a HEAD revalidates it). Default: none known, so
   * every tag counts against the budget.
   */
  knownTags?(repository: string, tags: readonly string[]): Set<string>;
  /**
   * Build times read at most per image per scan for tags not known yet (newest-build ordering);
   * the others wait for later scans. 0 = no limit. Default 100 (`DEFAULT_BUILD_TIME_BUDGET`).
   */
  readonly buildTimeBudget?: number | undefined;
}

/**
 * Wraps a scanner so that one automation run lists each repository once and asks for the same
 * build times and digests once, however many workloads share the image.
 */
export function memoizeScanner(scanner: ImageScanner): ImageScanner {
  const tags = new Map<string, Promise<string[]>>();
  const created = new Map<string, Promise<CreatedTimes>>();
  const digests = new Map<string, Promise<string>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
    let value = cache.get(key);
    if (!value) {
      value = load();
      cache.set(key, value);
    }
    return value;
  };
  return {
    ...(scanner.knownTags ? { knownTags: scanner.knownTags.bind(scanner) } : {}),
    buildTimeBudget: scanner.buildTimeBudget,
    listTags: (repository) => once(tags, repository, () => scanner.listTags(repository)),
    createdTimes: (repository, names) =>
      once(created, `${repository}\n${names.join('\n')}`, () => scanner.createdTimes(repository, names)),
    digest: (repository, tag) => once(digests, `${repository}:${tag}`, () => scanner.digest(repository, tag)),
  };
}
