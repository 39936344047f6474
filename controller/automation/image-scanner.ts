// What the automation loop needs from registries, as an interface so the loop can be tested with
// the real registry client or any other source, and so credentials stay with the caller.

/** Reads tags and image metadata of repositories such as `127.0.0.1:5000/flaskapp`. */
export interface ImageScanner {
  /** Every tag of the repository. */
  listTags(repository: string): Promise<string[]>;
  /** Build time (image config `created`) of `repository:tag`, undefined when the image has none. */
  created(repository: string, tag: string): Promise<Date | undefined>;
  /** Manifest digest (`sha256:…`) of `repository:tag`. */
  digest(repository: string, tag: string): Promise<string>;
}

/**
 * Wraps a scanner so that one automation run lists each repository once and asks for each
 * tag's metadata once, however many workloads share the image.
 */
export function memoizeScanner(scanner: ImageScanner): ImageScanner {
  const tags = new Map<string, Promise<string[]>>();
  const created = new Map<string, Promise<Date | undefined>>();
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
    listTags: (repository) => once(tags, repository, () => scanner.listTags(repository)),
    created: (repository, tag) =>
      once(created, `${repository}:${tag}`, () => scanner.created(repository, tag)),
    digest: (repository, tag) => once(digests, `${repository}:${tag}`, () => scanner.digest(repository, tag)),
  };
}
