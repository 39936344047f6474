// An in-memory ImageScanner for the pipeline's unit tests: tags with build times, tags the
// metadata cache still knows after the registry deleted them, and registry errors per call.
import { RegistryError, type RegistryErrorCode } from '../../registry/index.ts';
import type { ImageScanner } from './image-scanner.ts';

/** One repository as a test describes it. */
export interface FakeRepository {
  /** Listed tags -> build time (ISO) or null when the image has no `created`. */
  tags: Record<string, string | null>;
  /** Tags no longer listed whose build time the metadata cache still knows. */
  cached?: Record<string, string>;
  /** The tag list fails with this code. */
  listFails?: RegistryErrorCode;
  /** Reading these tags' build times fails with these codes. */
  createdFails?: Record<string, RegistryErrorCode>;
  /** Reading these tags' digests fails with these codes. */
  digestFails?: Record<string, RegistryErrorCode>;
}

/** A registry error as the client raises it. */
export function registryError(code: RegistryErrorCode, what: string): RegistryError {
  return new RegistryError(code, `${what}: ${code.toLowerCase().replace('_', ' ')} (test registry)`, {
    registry: 'reg.test',
  });
}

/** Answers from `repos` (by repository); every call is recorded in `calls`. */
export function fakeScanner(repos: Record<string, FakeRepository>, calls: string[] = []): ImageScanner {
  const repo = (repository: string): FakeRepository => {
    const found = repos[repository];
    if (!found) throw registryError('NOT_FOUND', `repository ${repository}`);
    return found;
  };
  return {
    async listTags(repository) {
      calls.push(`list ${repository}`);
      const r = repo(repository);
      if (r.listFails) throw registryError(r.listFails, `tags of ${repository}`);
      return Object.keys(r.tags);
    },
    async createdTimes(repository, tags) {
      const r = repo(repository);
      const created = new Map<string, Date>();
      const notFound = new Map<string, RegistryError>();
      for (const tag of tags) {
        calls.push(`created ${repository}:${tag}`);
        const code = r.createdFails?.[tag];
        const time = tag in r.tags ? r.tags[tag] : r.cached?.[tag];
        const error = code ?? (time === undefined ? 'NOT_FOUND' : undefined);
        if (error === 'NOT_FOUND') notFound.set(tag, registryError(error, `manifest ${repository}:${tag}`));
        else if (error) throw registryError(error, `manifest ${repository}:${tag}`);
        else if (time) created.set(tag, new Date(time));
      }
      return { created, notFound };
    },
    async digest(repository, tag) {
      calls.push(`digest ${repository}:${tag}`);
      const code = repo(repository).digestFails?.[tag];
      if (code) throw registryError(code, `manifest ${repository}:${tag}`);
      return `sha256:${tag.replace(/\W/g, '').padEnd(64, '0')}`;
    },
  };
}
