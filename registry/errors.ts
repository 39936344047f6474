/**
 * Registry failures as one typed error with a stable `code`. The split that matters to callers:
 * `retryable` (the remote failed or was busy: requeue) versus not (the config, reference or
 * credentials are wrong: report it on the object's status). Messages name the host and repository
 * but never a credential or token.
 */

/** Stable failure codes; they double as status condition reasons. */
export type RegistryErrorCode =
  /** The registry (or its token realm) rejected the credentials, or none were given. */
  | 'UNAUTHORIZED'
  /** Authenticated, but not allowed to pull this repository. */
  | 'FORBIDDEN'
  /** Unknown repository, tag, digest or platform. */
  | 'NOT_FOUND'
  /** 429 after every retry, or a `Retry-After` longer than the client will wait. */
  | 'RATE_LIMITED'
  /**
   * TLS: the registry's (or token realm's) certificate could not be verified, or the registry refused
   * the client certificate; the message names the problem and Node's code.
   */
  | 'TLS_CERTIFICATE'
  /** 5xx or a network failure after every retry. */
  | 'UNAVAILABLE'
  /** No answer within the request timeout. */
  | 'TIMEOUT'
  /** The registry answered with something that is not what the distribution spec says. */
  | 'INVALID_RESPONSE'
  /** The tag list exceeds the configured page or tag cap. */
  | 'TOO_MANY_TAGS'
  /** A pagination link points to another origin; it is not followed. */
  | 'FOREIGN_LINK'
  /** The image reference does not parse. */
  | 'INVALID_REFERENCE'
  /** A docker config (credentials) or a persisted cache file is malformed. */
  | 'INVALID_CONFIG';

const RETRYABLE: ReadonlySet<RegistryErrorCode> = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT']);

/** Where the failure happened and what else is known about it. */
export interface RegistryErrorDetails {
  /** The registry host, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  readonly registry?: string | undefined;
  /** The repository path, e.g. `library/nginx`. */
  readonly repository?: string | undefined;
  /** The HTTP status that caused it, when there was one. */
  readonly status?: number | undefined;
  /** How long the registry asked us to wait (429 `Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number | undefined;
  /** The underlying error (network error, JSON syntax error, schema issues). */
  readonly cause?: unknown;
  /** Overrides the code's default retryability. */
  readonly retryable?: boolean | undefined;
}

/** A registry failure with a stable `code` and whether retrying later can help. */
export class RegistryError extends Error {
  /** Stable machine-readable code. */
  readonly code: RegistryErrorCode;
  /** True when the same request may succeed later (rate limits, outages, timeouts). */
  readonly retryable: boolean;
  readonly registry: string | undefined;
  readonly repository: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: RegistryErrorCode, message: string, details: RegistryErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.retryable = details.retryable ?? RETRYABLE.has(code);
    this.registry = details.registry;
    this.repository = details.repository;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** True when `error` is a RegistryError, optionally with the given code. */
export function isRegistryError(error: unknown, code?: RegistryErrorCode): error is RegistryError {
  return error instanceof RegistryError && (code === undefined || error.code === code);
}

/** The code for a final (non-retried) HTTP status; 401 and 429 are handled before this is used. */
export function codeForStatus(status: number): RegistryErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UNAVAILABLE';
  return 'INVALID_RESPONSE';
}
