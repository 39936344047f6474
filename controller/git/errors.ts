// Typed errors of controller/git. Every message names the repository URL without credentials and
// never quotes a request header; `retryable` says whether trying again later can help.

import { describeTlsFailure } from '../util/tls-errors.ts';

/** Stable error codes; the automation loop turns them into status conditions. */
export type GitErrorCode =
  /** 401: the credentials were refused (or none were given). */
  | 'UNAUTHORIZED'
  /** 403: the credentials are valid but may not read or push this repository. */
  | 'FORBIDDEN'
  /** 404: no repository at this URL. */
  | 'NOT_FOUND'
  /** The repository has no such branch. */
  | 'BRANCH_NOT_FOUND'
  /** Connection refused, DNS failure, reset, or a timeout. */
  | 'UNREACHABLE'
  /** 5xx or 429 from the server. */
  | 'UNAVAILABLE'
  /**
   * TLS: the server's certificate could not be verified (unknown CA, expired, wrong host name) or the
   * server refused the client certificate; the message names the problem and Node's code.
   */
  | 'TLS_CERTIFICATE'
  /** The server did not speak Git smart HTTP (e.g. an HTML login page). */
  | 'INVALID_RESPONSE'
  /** The URL is not http(s) or SSH, or cannot be parsed. */
  | 'INVALID_URL'
  /** SSH: the Secret has no `known_hosts`, so the server cannot be verified (no connection is made). */
  | 'KNOWN_HOSTS_MISSING'
  /** SSH: `known_hosts` has no key for this host. */
  | 'HOST_KEY_UNKNOWN'
  /** SSH: the server showed a key other than the one in `known_hosts` (refused: it may be an attacker). */
  | 'HOST_KEY_CHANGED'
  /** SSH: the server showed a key that `known_hosts` marks @revoked. */
  | 'HOST_KEY_REVOKED'
  /** SSH: the private key cannot be read (format, or a missing or wrong passphrase). */
  | 'INVALID_IDENTITY'
  /** The server refused the push for a reason other than a concurrent update (hook, protection). */
  | 'PUSH_REJECTED'
  /** Every retry after a rejected (not fast-forward) push met yet another concurrent update. */
  | 'CONFLICT_RETRIES_EXHAUSTED'
  /** Someone else committed on the review branch and the updates cannot be written on top of it. */
  | 'REVIEW_BRANCH_DIVERGED'
  /** A tree entry or a configured path would leave the working copy (`..`, `.git`). */
  | 'UNSAFE_PATH'
  /** The configured path is not a directory of the branch. */
  | 'PATH_NOT_FOUND'
  /** A commit could not be signed with the configured signing key (nothing was pushed). */
  | 'SIGNING_FAILED'
  /** The push was refused or cut off because this replica no longer holds its leadership Lease. */
  | 'FENCED'
  /** Anything else (a local disk error, a corrupt cache); the cache is re-cloned on the next open. */
  | 'LOCAL';

/** What was being done when the error happened. */
export type GitOperation = 'clone' | 'fetch' | 'push' | 'read';

/** An error of controller/git with a stable `code`. */
export class GitError extends Error {
  override readonly name = 'GitError';
  readonly code: GitErrorCode;
  /** True when the same call may succeed later without a config change. */
  readonly retryable: boolean;
  /** The repository URL, without credentials. */
  readonly url: string;
  readonly operation: GitOperation;

  constructor(
    code: GitErrorCode,
    message: string,
    details: { url: string; operation: GitOperation; retryable?: boolean; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.url = details.url;
    this.operation = details.operation;
    this.retryable = details.retryable ?? RETRYABLE.has(code);
  }
}

const RETRYABLE = new Set<GitErrorCode>(['UNREACHABLE', 'UNAVAILABLE', 'CONFLICT_RETRIES_EXHAUSTED']);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** What classifying an error needs to know. */
export interface ErrorContext {
  url: string;
  operation: GitOperation;
  branch: string;
  /** Strings that must never appear in a message (password, token); replaced by `***`. */
  secrets: readonly string[];
}

/**
 * Turns an error thrown by isomorphic-git, undici or the file system into a GitError whose message
 * names the URL (without credentials). A GitError passes through unchanged.
 */
export function toGitError(error: unknown, context: ErrorContext): GitError {
  if (error instanceof GitError) return error;
  const { url, operation } = context;
  const where = `${operation} ${url}`;
  const cause = redactError(error, context.secrets);
  const details = { url, operation, cause };
  const code = errorCode(error);
  const status = httpStatus(error);
  if (status !== undefined) return fromHttpStatus(status, where, details);
  if (code === 'NotFoundError' || code === 'BRANCH_MISSING') {
    return new GitError('BRANCH_NOT_FOUND', `${where}: branch ${context.branch} does not exist`, details);
  }
  if (code === 'SmartHttpError') {
    return new GitError(
      'INVALID_RESPONSE',
      `${where}: the server did not answer as a Git smart-HTTP server`,
      {
        ...details,
        retryable: false,
      },
    );
  }
  if (code === 'UrlParseError' || code === 'UnknownTransportError') {
    return new GitError('INVALID_URL', `${where}: not an http(s) or SSH Git URL`, details);
  }
  if (code === 'FENCED' || (error instanceof Error && errorCode(error.cause) === 'FENCED')) {
    return new GitError('FENCED', `${where}: ${describe(cause)}`, { ...details, retryable: false });
  }
  const tls = describeTlsFailure(error);
  if (tls !== undefined) {
    return new GitError('TLS_CERTIFICATE', `${where}: ${tls.message}`, { ...details, retryable: false });
  }
  const network = networkCode(error);
  if (network !== undefined) {
    return new GitError('UNREACHABLE', `${where}: server unreachable (${network})`, details);
  }
  return new GitError('LOCAL', `${where}: ${describe(cause)}`, details);
}

function fromHttpStatus(
  status: number,
  where: string,
  details: { url: string; operation: GitOperation; cause: unknown },
): GitError {
  if (status === 401) {
    return new GitError(
      'UNAUTHORIZED',
      `${where}: authentication failed (HTTP 401); check the credentials`,
      details,
    );
  }
  if (status === 403) {
    return new GitError('FORBIDDEN', `${where}: access denied (HTTP 403)`, details);
  }
  if (status === 404) {
    return new GitError('NOT_FOUND', `${where}: repository not found (HTTP 404)`, details);
  }
  if (status === 429 || status >= 500) {
    return new GitError('UNAVAILABLE', `${where}: server error (HTTP ${status})`, details);
  }
  return new GitError('INVALID_RESPONSE', `${where}: unexpected HTTP ${status}`, {
    ...details,
    retryable: false,
  });
}

/** The `code` property of an error (isomorphic-git's error class name, or a Node/undici code). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function httpStatus(error: unknown): number | undefined {
  if (errorCode(error) !== 'HttpError') return undefined;
  const data = (error as { data?: { statusCode?: unknown } }).data;
  return typeof data?.statusCode === 'number' ? data.statusCode : undefined;
}

/** The first network error code on the error or its cause chain (undici wraps system errors). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = errorCode(current);
    if (code !== undefined && NETWORK_CODES.has(code)) return code;
    if (current instanceof AggregateError) {
      const inner = current.errors.map(networkCode).find((c) => c !== undefined);
      if (inner !== undefined) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Removes every secret from a string. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.replaceAll(secret, '***');
  return out;
}

/** The error itself when it mentions no secret, otherwise a copy with the secrets replaced. */
function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? redact(error, secrets) : error;
  const text = `${error.message}\n${error.stack ?? ''}`;
  if (redact(text, secrets) === text) return error;
  const copy = new Error(redact(error.message, secrets));
  copy.name = error.name;
  copy.stack = redact(error.stack ?? '', secrets);
  return copy;
}
