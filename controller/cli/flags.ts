// Every flag declaration and flag-value parser of the CLI, so that every command speaks one dialect:
// the global flags (`--kubeconfig`, `--context`, `-n/--namespace`, `--cache-dir`, `-o/--output`)
// on every command, and the registry flags on the commands that scan registries. A bad value is
// commander's InvalidArgumentError (exit 2 with the flag named).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { KubeOptions } from './kube-context.ts';
import { type OutputFormat, outputOption } from './output.ts';

/** The values of the global flags. */
export type GlobalOptions = KubeOptions & {
  /** Default: `$XDG_CACHE_HOME/tagpilot/cli`, else `~/.cache/tagpilot/cli` (see `cacheDirFrom`). */
  cacheDir?: string;
  /** Default `table`. */
  output: OutputFormat;
};

/**
 * Adds the global flags. `namespaceHelp` says what `-n` selects for this command; a command that
 * does not talk to the cluster (check-policy) still accepts the flags, so scripts can pass the same
 * ones everywhere.
 */
export function addGlobalOptions(command: Command, namespaceHelp: string): Command {
  return command
    .addOption(
      new Option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)'),
    )
    .addOption(new Option('--context <name>', 'kubeconfig context (default: the current context)'))
    .addOption(new Option('-n, --namespace <ns>', namespaceHelp))
    .addOption(
      new Option(
        '--cache-dir <dir>',
        'where working copies of GitSync repositories are kept (default: $XDG_CACHE_HOME/tagpilot/cli or ~/.cache/tagpilot/cli)',
      ),
    )
    .addOption(outputOption());
}

/** The cache directory: `--cache-dir`, else under $XDG_CACHE_HOME, else under ~/.cache. */
export function cacheDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'tagpilot', 'cli');
}

/** The values of the registry flags. */
export interface RegistryOptions {
  username?: string;
  password?: string;
  dockerConfig?: string;
  insecureRegistry?: string[];
  platform?: string;
}

/** Adds `--username` and `--password` (for commands that talk to one registry). */
export function addCredentialOptions(command: Command): Command {
  return command
    .addOption(new Option('--username <user>', 'registry user name (default: anonymous)'))
    .addOption(new Option('--password <password>', 'registry password or token (with --username)'));
}

/** Adds `--docker-config`, `--insecure-registry` and `--platform`. */
export function addRegistryOptions(command: Command, credentialHelp: string): Command {
  return command
    .addOption(
      new Option(
        '--docker-config <file>',
        `registry credentials from a docker config.json (${credentialHelp})`,
      ),
    )
    .addOption(
      new Option(
        '--insecure-registry <host>',
        'a registry host reached over plain HTTP, repeatable (loopback always is)',
      ).argParser(collect),
    )
    .addOption(
      new Option('--platform <os/arch>', 'platform whose build time counts for multi-arch images').default(
        'linux/amd64',
      ),
    );
}

/** A non-negative integer (`--limit`). */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a count (0, 1, 2, …)');
  return n;
}

/** Collects a repeatable flag's values in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
