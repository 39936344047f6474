/**
 * Expected failures of the policy engine are values, not exceptions: a user's bad filter must end
 * up as an `InvalidPolicy` condition on the object, never as "match everything" or a crash.
 */

/** Stable code of every policy error; it doubles as the status condition reason. */
export type PolicyErrorCode = 'InvalidPolicy';

/** Why a filter, sort order or ImagePolicy spec was rejected, in words a user can act on. */
export interface PolicyError {
  /** Always `InvalidPolicy`: the input is wrong and retrying will not help. */
  readonly code: PolicyErrorCode;
  /** Human message, e.g. `invalid regex "develop-(": missing closing )`. */
  readonly message: string;
  /** Where the bad value sits, e.g. `spec.policy.regex.pattern`; absent for annotation values. */
  readonly field?: string;
}

/** Either a value or the reason there is none. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: PolicyError };

/** Wraps a value as a successful result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failed result with code `InvalidPolicy`. */
export function invalid<T>(message: string, field?: string): Result<T> {
  const error: PolicyError =
    field === undefined ? { code: 'InvalidPolicy', message } : { code: 'InvalidPolicy', message, field };
  return { ok: false, error };
}

/** Prefixes a failed result's message with the field it came from; successes pass through. */
export function atField<T>(result: Result<T>, field: string): Result<T> {
  if (result.ok) return result;
  return invalid(`${field}: ${result.error.message}`, field);
}
