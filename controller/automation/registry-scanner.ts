// The ImageScanner backed by the registry client: one shared client (one connection pool, one
// token and metadata cache, its per-host concurrency cap), with per-scan credentials and platform.
import type { CredentialProvider, RegistryClient } from '../../registry/index.ts';
import type { TlsSettings } from '../util/tls-settings.ts';
import type { ImageScanner } from './image-scanner.ts';

/** Options of one scan. */
export interface ScanOptions {
  /** Credentials for this scan (an ImagePolicy's secretRef, a workload's pull secrets); default the client's. */
  credentials?: CredentialProvider | undefined;
  /** Platform of multi-arch images for build times (default linux/amd64). */
  platform?: string | undefined;
  /** TLS settings of the registry (an ImagePolicy's certSecretRef, insecureSkipTLSVerify); default none. */
  tls?: TlsSettings | undefined;
}

/** Options shared by every scanner of one client. */
export interface ScannerDefaults {
  /** Build times read at most per image per scan for tags not seen before; 0 = no limit. Default 100. */
  buildTimeBudget?: number | undefined;
}

/** Makes ImageScanners on top of one RegistryClient. */
export function registryScanners(
  client: RegistryClient,
  defaults: ScannerDefaults = {},
): (options: ScanOptions) => ImageScanner {
  return ({ credentials, platform, tls }) => ({
    buildTimeBudget: defaults.buildTimeBudget,
    knownTags: (repository, tags) => client.knownTags(repository, tags),
    listTags: (repository) => client.listTags(repository, { credentials, tls }),
    createdTimes: (repository, tags) =>
      client.getCreatedTimes(repository, tags, { credentials, tls, ...(platform ? { platform } : {}) }),
    digest: (repository, tag) => client.getDigest(`${repository}:${tag}`, { credentials, tls }),
  });
}
