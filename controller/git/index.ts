/** Public API of controller/git: working copies in a cache directory, one commit/push/retry loop (`commitWithRetry`). */

export { type BackoffOptions, retryDelayMs } from '../util/backoff.ts';
export {
  type GitAuth,
  type GitBasicAuth,
  type GitSshAuth,
  type GitTokenAuth,
  isSshAuth,
  TOKEN_USERNAME,
} from './auth.ts';
export {
  type CommitSigner,
  loadCommitSigner,
  OPENPGP_KEY,
  SIGNING_PASSPHRASE_KEY,
  SigningKeyError,
  type SigningKeyMaterial,
  SSH_SIGNING_KEY,
} from './commit-signing.ts';
export {
  type CommitWithRetryOptions,
  type CommitWithRetryResult,
  commitWithRetry,
  DEFAULT_MAX_RETRIES,
  type Edit,
  type EditedFile,
  type FileEdit,
} from './commit-with-retry.ts';
export type { FileSystem } from './context.ts';
export { GitError, type GitErrorCode, type GitOperation } from './errors.ts';
export { createGitHttpClient, type GitHttpClientOptions, type GitHttpExchange } from './http-client.ts';
export { DEFAULT_KUSTOMIZE, type KustomizeOptions } from './kustomize.ts';
export { isManifestPath } from './paths.ts';
export {
  DEFAULT_READ_LIMITS,
  ReadLimitError,
  type ReadLimitKind,
  type ReadLimits,
} from './read-limits.ts';
export { checkBranchName, sanitizeRefComponent } from './ref-name.ts';
export type { PushOutcome } from './remote.ts';
export { openRepository, Repository } from './repository.ts';
export { AUTOMATION_TRAILER } from './review-branch.ts';
export { fingerprintOf, generateIdentity, loadIdentity, type SshIdentity, SshKeyError } from './ssh-keys.ts';
export { isSshUrl, parseSshUrl, type SshTarget } from './ssh-url.ts';
export { GIT_NAMESPACE, sshSignature } from './sshsig.ts';
export type {
  CommitAuthor,
  HeadCommit,
  OpenRepositoryOptions,
  PreparedCommit,
  ReadFilesResult,
  ReadProblem,
  TextFile,
} from './types.ts';
