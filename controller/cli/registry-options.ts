// Registry flags shared by `check-policy` and `list-images`: credentials (`--username/--password`
// or `--docker-config`), `--insecure-registry` hosts and `--platform`.
import { type Command, Option } from 'commander';
import { collect } from './flag-parsers.ts';

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
