/** Public API of controller/git: working copies in a cache directory, commits of image updates, pushes. */

export { type BackoffOptions, retryDelayMs } from '../util/backoff.ts';
export { type GitAuth, type GitBasicAuth, type GitTokenAuth, TOKEN_USERNAME } from './auth.ts';
export {
  type CommitAndPushOptions,
  type CommitAndPushResult,
  commitAndPush,
  DEFAULT_AUTHOR,
  DEFAULT_MAX_RETRIES,
  type UpdatesSource,
} from './commit-and-push.ts';
export {
  type CommitChange,
  formatCommitMessage,
  MESSAGE_PLACEHOLDERS,
  type MessageTemplate,
  toCommitChanges,
  unknownPlaceholders,
} from './commit-message.ts';
export type { FileSystem } from './context.ts';
export { GitError, type GitErrorCode, type GitOperation } from './errors.ts';
export { createGitHttpClient, type GitHttpClientOptions, type GitHttpExchange } from './http-client.ts';
export { isManifestPath } from './paths.ts';
export {
  DEFAULT_READ_LIMITS,
  ReadLimitError,
  type ReadLimitKind,
  type ReadLimits,
} from './read-limits.ts';
export type { PushOutcome } from './remote.ts';
export { openRepository, Repository } from './repository.ts';
export type {
  CommitAuthor,
  HeadCommit,
  OpenRepositoryOptions,
  PreparedCommit,
  ReadFilesResult,
} from './types.ts';
