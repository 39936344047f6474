// Runs the `tagpilot` CLI the way a user does: a separate process, `node controller/cli/main.ts`,
// its output piped (so no progress display), with its own cache directory.
import { join } from 'node:path';
import { run } from '../support/processes.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'controller', 'cli', 'main.ts');

/** What one CLI run printed and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CLI bound to a cache directory (XDG_CACHE_HOME) and, optionally, a kubeconfig. */
export function cli(options: {
  cacheHome: string;
  kubeconfig?: string;
}): (args: string[]) => Promise<CliResult> {
  const env = { ...process.env, XDG_CACHE_HOME: options.cacheHome, KUBECONFIG: '' };
  return (args) =>
    run(
      process.execPath,
      [MAIN, ...args, ...(options.kubeconfig ? [`--kubeconfig=${options.kubeconfig}`] : [])],
      {
        env,
        allowFailure: true,
      },
    );
}

/** Parses stdout as JSON, with the whole output in the error when it is not. */
export function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}
