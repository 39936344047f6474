// The registry client and credentials that the registry flags (flags.ts) ask for.
import { readFile } from 'node:fs/promises';
import {
  type CredentialProvider,
  dockerConfigCredentials,
  parseDockerConfigJson,
  RegistryClient,
  type RegistryRequestObserver,
  staticCredentials,
} from '../../registry/index.ts';
import { UsageError } from './errors.ts';
import type { RegistryOptions } from './flags.ts';

/** A registry client for the flags (the caller closes it); `onRequest` sees every request. */
export function registryClient(
  options: RegistryOptions,
  onRequest?: RegistryRequestObserver,
): RegistryClient {
  return new RegistryClient({
    insecureHosts: options.insecureRegistry ?? [],
    ...(onRequest ? { onRequest } : {}),
  });
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
    config = parseDockerConfigJson(await readFile(options.dockerConfig, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--docker-config ${options.dockerConfig}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return dockerConfigCredentials(config);
}
