/**
 * API server failures as one typed error. `code` is the `reason` of the Kubernetes `Status` the
 * server sent (`NotFound`, `Conflict`, `Invalid`, `Gone`, …) or one of our own for failures that
 * never reached a Status (`NetworkError`, `Timeout`, `UnknownKind`). `retryable` says whether the
 * same request may succeed later without anyone changing the input.
 */

/** Stable failure codes: Status reasons from the API server plus client-side ones. */
export type KubeErrorCode =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'ServerTimeout'
  | 'Expired'
  /** The connection failed or was cut before an answer arrived. */
  | 'NetworkError'
  /** The answer was not the JSON the API promises. */
  | 'InvalidResponse'
  /** A write refused or cut off by the leadership fence (this replica no longer holds its Lease). */
  | 'Fenced'
  /** Discovery does not know the apiVersion/kind (a CRD not installed, a typo). */
  | 'UnknownKind'
  /** Any other HTTP failure. */
  | 'Unknown';

/** Failures of the server or the connection that the same request may not meet again. */
export const TRANSIENT_CODES: ReadonlySet<KubeErrorCode> = new Set([
  'TooManyRequests',
  'InternalError',
  'ServiceUnavailable',
  'Timeout',
  'ServerTimeout',
  'NetworkError',
]);

// A Conflict is retryable by the caller (read again, then write), not by sending the same request.
const RETRYABLE: ReadonlySet<KubeErrorCode> = new Set([...TRANSIENT_CODES, 'Conflict']);

const CODE_BY_STATUS: ReadonlyMap<number, KubeErrorCode> = new Map([
  [400, 'BadRequest'],
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [404, 'NotFound'],
  [405, 'MethodNotAllowed'],
  [406, 'NotAcceptable'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [413, 'RequestEntityTooLarge'],
  [415, 'UnsupportedMediaType'],
  [422, 'Invalid'],
  [429, 'TooManyRequests'],
  [500, 'InternalError'],
  [503, 'ServiceUnavailable'],
  [504, 'Timeout'],
]);

/** One field-level cause from a Status' `details.causes` (validation errors). */
export interface KubeErrorCause {
  /** e.g. `FieldValueInvalid`, `FieldValueRequired`, `FieldManagerConflict`. */
  reason?: string;
  message?: string;
  /** The JSON path of the field, e.g. `spec.selector`. */
  field?: string;
}

/** What is known about a failure besides its code and message. */
export interface KubeErrorDetails {
  /** HTTP status, when the server answered. */
  status?: number | undefined;
  /** How long the server asked us to wait (`Retry-After` or the Status' `retryAfterSeconds`). */
  retryAfterMs?: number | undefined;
  causes?: KubeErrorCause[] | undefined;
  cause?: unknown;
  /** Overrides the code's default retryability. */
  retryable?: boolean | undefined;
}

/** A failed API server request with a stable `code` and whether a retry can help. */
export class KubeError extends Error {
  readonly code: KubeErrorCode;
  /** HTTP status, 0 when the request never got an answer. */
  readonly status: number;
  readonly retryable: boolean;
  readonly causes: readonly KubeErrorCause[];
  /** How long the server asked us to wait before trying again, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(code: KubeErrorCode, message: string, details: KubeErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'KubeError';
    this.code = code;
    this.status = details.status ?? 0;
    this.retryable = details.retryable ?? RETRYABLE.has(code);
    this.causes = details.causes ?? [];
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** True when `error` is a KubeError, optionally with the given code. */
export function isKubeError(error: unknown, code?: KubeErrorCode): error is KubeError {
  return error instanceof KubeError && (code === undefined || error.code === code);
}

const TYPED_PATCH_FAILURE = 'failed to create typed patch object';

/**
 * Builds a KubeError from an HTTP status and the body the server sent (usually a `Status`);
 * `retryAfterMs` is the parsed `Retry-After` header, which wins over the Status' `retryAfterSeconds`.
 */
export function kubeErrorFromResponse(
  status: number,
  body: string,
  what: string,
  retryAfterMs?: number,
): KubeError {
  const parsed = parseStatus(body);
  const message = parsed?.message ?? (body.trim().slice(0, 300) || `HTTP ${status}`);
  // Server-side apply answers 500 for a manifest that does not fit the schema (an unknown or
  // mistyped field); retrying cannot help, so it is reported as the invalid input it is.
  if (message.includes(TYPED_PATCH_FAILURE)) {
    return new KubeError('Invalid', `${what}: ${message}`, {
      status,
      causes: parsed?.causes,
      retryable: false,
    });
  }
  const code = knownCode(parsed?.reason) ?? CODE_BY_STATUS.get(status) ?? 'Unknown';
  return new KubeError(code, `${what}: ${message}`, {
    status,
    causes: parsed?.causes,
    retryAfterMs: retryAfterMs ?? parsed?.retryAfterMs,
  });
}

/** The code for a Status object delivered inside a watch stream (an `ERROR` event). */
export function kubeErrorFromStatus(status: unknown, what: string): KubeError {
  const parsed = isRecord(status) ? statusFields(status) : undefined;
  const httpStatus = isRecord(status) && typeof status.code === 'number' ? status.code : 0;
  const code = knownCode(parsed?.reason) ?? CODE_BY_STATUS.get(httpStatus) ?? 'Unknown';
  return new KubeError(code, `${what}: ${parsed?.message ?? 'watch error'}`, {
    status: httpStatus,
    causes: parsed?.causes,
  });
}

interface ParsedStatus {
  reason: string | undefined;
  message: string | undefined;
  causes: KubeErrorCause[] | undefined;
  retryAfterMs: number | undefined;
}

function parseStatus(body: string): ParsedStatus | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return isRecord(value) && value.kind === 'Status' ? statusFields(value) : undefined;
  } catch {
    return undefined;
  }
}

function statusFields(status: Record<string, unknown>): ParsedStatus {
  const details = isRecord(status.details) ? status.details : {};
  const causes = Array.isArray(details.causes) ? details.causes.filter(isRecord).map(toCause) : undefined;
  return {
    reason: typeof status.reason === 'string' ? status.reason : undefined,
    message: typeof status.message === 'string' ? status.message : undefined,
    causes,
    retryAfterMs:
      typeof details.retryAfterSeconds === 'number' && details.retryAfterSeconds > 0
        ? details.retryAfterSeconds * 1000
        : undefined,
  };
}

function toCause(cause: Record<string, unknown>): KubeErrorCause {
  const result: KubeErrorCause = {};
  if (typeof cause.reason === 'string') result.reason = cause.reason;
  if (typeof cause.message === 'string') result.message = cause.message;
  if (typeof cause.field === 'string') result.field = cause.field;
  return result;
}

const KNOWN_CODES: ReadonlySet<string> = new Set<KubeErrorCode>([
  ...CODE_BY_STATUS.values(),
  'ServerTimeout',
  'Expired',
]);

function knownCode(reason: string | undefined): KubeErrorCode | undefined {
  return reason !== undefined && KNOWN_CODES.has(reason) ? (reason as KubeErrorCode) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
