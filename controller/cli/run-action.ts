// The one place where a command's outcome becomes the process exit code: a returned verdict (0 or
// 1), or a thrown error printed once on stderr as `tagpilot <command>: <message>` with exit 2 or 3.
import { describeError, exitCodeFor } from './errors.ts';
import type { Streams } from './output.ts';

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
