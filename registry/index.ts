/**
 * The OCI distribution client (DESIGN §4.1). Typical use:
 *   const client = new RegistryClient({ credentials: dockerConfigCredentials(config) });
 *   const tags = await client.listTags('ghcr.io/org/app');
 *   const { created } = await client.getCreatedTimes('ghcr.io/org/app', candidates);
 *   await saveMetadataCache(client.cache, path);
 */
export type { BearerChallenge, Challenge } from './challenge.ts';
export { bearerChallenge, parseChallenges } from './challenge.ts';
export { RegistryClient } from './client.ts';
export type {
  CallOptions,
  CreatedTimes,
  ImageCreatedOptions,
  ImageMetadata,
  ListTagsOptions,
  RegistryClientOptions,
} from './client-types.ts';
export type { CredentialProvider, Credentials } from './credentials.ts';
export {
  chainCredentials,
  dockerConfigCredentials,
  normalizeRegistryKey,
  parseDockerConfig,
  parseDockerConfigJson,
  staticCredentials,
} from './credentials.ts';
export type { RegistryErrorCode, RegistryErrorDetails } from './errors.ts';
export { isRegistryError, RegistryError } from './errors.ts';
export type { LimitOptions, RetryOptions } from './limits.ts';
export { backoffDelay, parseRetryAfter } from './limits.ts';
export type { Platform } from './manifest.ts';
export { formatPlatform, parsePlatform } from './manifest.ts';
export type { MetadataCacheOptions, MetadataCacheSnapshot } from './metadata-cache.ts';
export { loadMetadataCache, MetadataCache, saveMetadataCache } from './metadata-cache.ts';
export type { ImageReference } from './reference.ts';
export {
  formatReference,
  parseReference,
  registryApiHost,
  registryOrigin,
  registryScheme,
  withTag,
} from './reference.ts';
export type {
  RegistryRequestEvent,
  RegistryRequestKind,
  RegistryRequestObserver,
  RequestCounts,
} from './request-events.ts';
export { countRequests, requestKind } from './request-events.ts';
