// Where the CLI keeps working copies of GitSync repositories between runs.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';

/** The `--cache-dir` option. */
export function cacheDirOption(): Option {
  return new Option(
    '--cache-dir <dir>',
    'where working copies of GitSync repositories are kept (default: $XDG_CACHE_HOME/tagpilot/cli or ~/.cache/tagpilot/cli)',
  );
}

/** The cache directory: `--cache-dir`, else under $XDG_CACHE_HOME, else under ~/.cache. */
export function cacheDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tagpilot', 'cli');
}
