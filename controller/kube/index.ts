/**
 * The Kubernetes edge: a small API client on undici with the KubeConfig's auth, discovery,
 * object reads and writes (raw server-side apply), list+watch with reconnects, Events, and every
 * Secret read. The controller makes one client; fenced, Lease and impersonated views share its pool
 * (docs/decisions/0004-kubernetes-edge.md).
 *
 *   const client = new KubeClient({ kubeConfig });
 *   const discovery = new Discovery(client);
 *   const api = new KubeApi(client);
 *   const info = await discovery.resolve('apps/v1', 'Deployment');
 *   await api.apply(info, deployment, { fieldManager: 'tagpilot', dryRun: true });
 */
export { type ApplyOptions, type DeleteOptions, KubeApi, type ObjectList } from './api.ts';
export {
  KubeClient,
  type KubeClientOptions,
  type KubeClientView,
  type KubeRequest,
  type KubeStream,
  type RequestCounts,
} from './client.ts';
export { apiVersionOf, Discovery, type DiscoveryOptions, resourcePath } from './discovery.ts';
export { isKubeError, KubeError, type KubeErrorCause, type KubeErrorCode } from './errors.ts';
export { type EventInput, EventRecorder, type EventRecorderOptions, microTime } from './events.ts';
export {
  type GitAuthResult,
  type GitCredentials,
  type PullSecretResult,
  type PullSecretSources,
  readGitAuth,
  readPullSecrets,
  readSigningKey,
  type SigningKeyResult,
  type SigningKeySecret,
  type SshCredentials,
} from './secrets.ts';
export {
  ensureSshIdentity,
  type IdentityOwner,
  identitySecretName,
  type KeyPair,
  readSshIdentity,
} from './ssh-identity.ts';
export type * from './types.ts';
export { describeRef, isKubeObject, joinApiVersion, splitApiVersion } from './types.ts';
export {
  objectKey,
  ResourceWatch,
  type ResourceWatchOptions,
  type WatchEvent,
  type WatchStats,
} from './watch.ts';
