// Exit codes and the errors that map to them. Commands return 0 or 1 (a "not ok" verdict) and
// throw for everything else; `exitCodeFor` decides 2 (the user's input or config is wrong) or 3
// (the API server, a registry or a Git server failed), and `describeError` says it in one line.
// `runAction` is the one place where a command's outcome becomes the process exit code.
import { isRegistryError } from '../../registry/errors.ts';
import { GitError } from '../git/errors.ts';
import { KubeError } from '../kube/errors.ts';
import type { Streams } from './output.ts';

/** Exit codes of every `tagpilot` command. */
export const EXIT = {
  /** The command did what was asked and the verdict is good. */
  OK: 0,
  /** The command worked and the verdict is "not ok" (a GitSync not ready, no tag qualifies). */
  NOT_OK: 1,
  /** Wrong flags or arguments, an unknown object, a bad kubeconfig or filter. */
  USAGE: 2,
  /** The API server, a registry or a Git server failed or refused. */
  REMOTE: 3,
} as const;

/** Input the user can fix: a bad flag value, an unknown workload or GitSync. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A remote failure that has no typed error of its own (e.g. a Secret that cannot be read). Exit code 3. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
}

/** Registry codes that mean the user's input is wrong rather than the registry. */
const REGISTRY_USAGE_CODES = new Set(['INVALID_REFERENCE', 'INVALID_CONFIG']);

/** The exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.USAGE;
  if (isRegistryError(error)) return REGISTRY_USAGE_CODES.has(error.code) ? EXIT.USAGE : EXIT.REMOTE;
  return EXIT.REMOTE;
}

/** One line for stderr; unexpected errors (bugs) keep their stack. */
export function describeError(error: unknown): string {
  if (error instanceof UsageError || error instanceof RemoteError) return error.message;
  if (error instanceof KubeError) return describeKubeError(error);
  if (error instanceof GitError) return `Git ${error.code}: ${error.message}`;
  if (isRegistryError(error)) return `registry ${error.code}: ${error.message}`;
  if (error instanceof Error) return `unexpected error: ${error.stack ?? error.message}`;
  return `unexpected error: ${String(error)}`;
}

function describeKubeError(error: KubeError): string {
  if (error.code === 'NetworkError') return `cannot reach the Kubernetes API server: ${error.message}`;
  if (error.code === 'Unauthorized') return `the API server refused the credentials: ${error.message}`;
  if (error.code === 'Forbidden') return `not allowed: ${error.message}`;
  return `${error.code}: ${error.message}`;
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps a command action: sets `process.exitCode` from its result or from the error it throws. */
export function runAction<A extends unknown[]>(
  streams: Streams,
  name: string,
  action: (...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await action(...args);
    } catch (error) {
      streams.stderr.write(`tagpilot ${name}: ${describeError(error)}\n`);
      process.exitCode = exitCodeFor(error);
    }
  };
}
