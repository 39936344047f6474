// Registry flags shared by `check-policy` and `list-images`: credentials (`--username/--password`
// or `--docker-config`), `--insecure-registry` hosts and `--platform`.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import {
  type CredentialProvider,
  dockerConfigCredentials,
  RegistryClient,
  staticCredentials,
} from '../../registry/index.ts';
import { UsageError } from './errors.ts';

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
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(
      new Option('--platform <os/arch>', 'platform whose build time counts for multi-arch images').default(
        'linux/amd64',
      ),
    );
}

/** A registry client for the flags (the caller closes it). */
export function registryClient(options: RegistryOptions): RegistryClient {
  return new RegistryClient({ insecureHosts: options.insecureRegistry ?? [] });
}

/** The credentials of `--username/--password` for `registry`, else of `--docker-config`; default none. */
export async function flagCredentials(
  options: RegistryOptions,
  registry: string,
): Promise<CredentialProvider | undefined> {
  const { username, password } = options;
  if (username === undefined && password === undefined) return dockerConfigFlagCredentials(options);
  if (username === undefined || password === undefined) {
    throw new UsageError('--username and --password go together');
  }
  return staticCredentials(registry, { username, password });
}

/** The credentials of `--docker-config`; default none. A file that cannot be read is a UsageError. */
export async function dockerConfigFlagCredentials(
  options: RegistryOptions,
): Promise<CredentialProvider | undefined> {
  if (options.dockerConfig === undefined) return undefined;
  let config: unknown;
  try {
    config = JSON.parse(await readFile(options.dockerConfig, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--docker-config ${options.dockerConfig}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return dockerConfigCredentials(config);
}
