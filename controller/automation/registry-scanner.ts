// The ImageScanner backed by the registry client: one shared client (one connection pool, one
// token and metadata cache, its per-host concurrency cap), with per-scan credentials and platform.
import type { CredentialProvider, RegistryClient } from '../../registry/index.ts';
import type { ImageScanner } from './image-scanner.ts';

/** Options of one scan. */
export interface ScanOptions {
  /** Credentials for this scan (an ImagePolicy's secretRef, a workload's pull secrets); default the client's. */
  credentials?: CredentialProvider | undefined;
  /** Platform of multi-arch images for build times (default linux/amd64). */
  platform?: string | undefined;
}

/** Makes ImageScanners on top of one RegistryClient. */
export function registryScanners(client: RegistryClient): (options: ScanOptions) => ImageScanner {
  return ({ credentials, platform }) => ({
    listTags: (repository) => client.listTags(repository, { credentials }),
    createdTimes: (repository, tags) =>
      client.getCreatedTimes(repository, tags, { credentials, ...(platform ? { platform } : {}) }),
    digest: (repository, tag) => client.getDigest(`${repository}:${tag}`, { credentials }),
  });
}
