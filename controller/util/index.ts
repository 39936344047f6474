/** Small shared utilities (and the TLS settings, agents and errors of Git and registries); any layer may import them. */
export {
  type BackoffOptions,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  retryDelayMs,
} from './backoff.ts';
export { KeyedMutex } from './keyed-mutex.ts';
export { mapLimit } from './map-limit.ts';
export { Semaphore } from './semaphore.ts';
export { type ConnectOption, TlsAgents, type TlsAgentsOptions, tlsConnector } from './tls-agents.ts';
export { describeTlsFailure, type TlsFailure } from './tls-errors.ts';
export {
  caBundleProblem,
  hasTlsSettings,
  parseTlsSecret,
  readCaBundleFile,
  type TlsParseResult,
  type TlsSecretFields,
  type TlsSettings,
  tlsSettingsDigest,
} from './tls-settings.ts';
