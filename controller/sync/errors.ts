/** Failures of the sync loop, and how any failure is turned into a safe, stable report. */
import { isKubeError } from '../kube/errors.ts';

/** A change to fields the API server will not change in place (Deployment selector, Job template…). */
export class ImmutableFieldError extends Error {
  readonly code = 'ImmutableField';
  readonly retryable = false;
  /** The immutable fields, e.g. `spec.selector`. */
  readonly fields: readonly string[];

  constructor(object: string, fields: readonly string[], cause: unknown) {
    const named = fields.length > 0 ? fields.join(', ') : 'a field';
    super(
      `${object}: ${named} is immutable and differs from Git; delete the object to let tagpilot recreate it, ` +
        'or annotate it in Git with tagpilot.io/recreate: "true" to allow delete-and-recreate',
      { cause },
    );
    this.name = 'ImmutableFieldError';
    this.fields = fields;
  }
}

const IMMUTABLE = /immutable|may not change once set|cannot be changed|is not allowed to be changed/i;

/** The immutable fields named by an API error, or undefined when the error is about something else. */
export function immutableFieldsOf(error: unknown): string[] | undefined {
  if (!isKubeError(error, 'Invalid')) return undefined;
  const fields = error.causes.filter((c) => IMMUTABLE.test(c.message ?? '')).map((c) => c.field ?? '');
  if (fields.length > 0) return [...new Set(fields.filter((f) => f !== ''))];
  return IMMUTABLE.test(error.message) ? [] : undefined;
}

/** Stable code and message of a failure. For Secrets, quoted values are cut from the message. */
export function describeFailure(error: unknown, secret: boolean): { reason: string; message: string } {
  const reason =
    error instanceof ImmutableFieldError ? error.code : isKubeError(error) ? error.code : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return { reason, message: secret ? redactValues(message) : message };
}

/**
 * API validation messages quote offending values (`Invalid value: "…"`, `[]string{"…"}`); for a
 * Secret those could be its data, so every quoted string and value list goes.
 */
export function redactValues(message: string): string {
  return message
    .replace(/Invalid value: [^:]*:/g, 'Invalid value: (redacted):')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"(redacted)"');
}
