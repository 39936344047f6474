/**
 * Where registry credentials come from. The registry client only sees a `CredentialProvider`;
 * Kubernetes Secrets, a controller-level docker config file and cloud token exchanges (ECR, GCR,
 * ACR) all plug in behind it. Keys are registry hosts as in image references (`docker.io`,
 * `ghcr.io`, `127.0.0.1:5000`).
 */
import { z } from 'zod';
import { RegistryError } from './errors.ts';
import { DOCKER_HUB } from './reference.ts';

/** A user name and password (sent as Basic, or to the token realm), or a ready registry bearer token. */
export type Credentials =
  | { readonly username: string; readonly password: string }
  | { readonly token: string };

/** Looks up the credentials for a registry host; undefined means anonymous. */
export type CredentialProvider = (registry: string) => Promise<Credentials | undefined>;

const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * Normalises a docker config `auths` key or a registry host: scheme and path are dropped, the host
 * is lower-cased, and every Docker Hub alias (`https://index.docker.io/v1/`) becomes `docker.io`.
 */
export function normalizeRegistryKey(key: string): string {
  let host = key.trim();
  const scheme = host.indexOf('://');
  if (scheme !== -1) host = host.slice(scheme + 3);
  const slash = host.indexOf('/');
  if (slash !== -1) host = host.slice(0, slash);
  host = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

const authEntrySchema = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  registrytoken: z.string().optional(),
});

const dockerConfigSchema = z.object({
  auths: z.record(z.string(), authEntrySchema).optional(),
});

type AuthEntry = z.infer<typeof authEntrySchema>;

function configError(message: string, cause?: unknown): RegistryError {
  return new RegistryError('INVALID_CONFIG', `docker config: ${message}`, { cause });
}

function decodeAuth(key: string, auth: string): Credentials {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // Never echo the decoded value: it is the password.
  if (colon <= 0) throw configError(`auths["${key}"].auth is not base64 of "username:password"`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function entryCredentials(key: string, entry: AuthEntry): Credentials | undefined {
  if (entry.registrytoken) return { token: entry.registrytoken };
  if (entry.username !== undefined && entry.password !== undefined && entry.username !== '') {
    return { username: entry.username, password: entry.password };
  }
  if (entry.auth) return decodeAuth(key, entry.auth);
  return undefined;
}

/**
 * Reads the `auths` of a docker `config.json` (already JSON-parsed) into credentials by normalised
 * registry host. Entries may carry `auth` (base64 `user:password`), `username` + `password`, or
 * `registrytoken`; entries with none are skipped (`identitytoken`, `credHelpers` and `credsStore`
 * are not supported). When two keys normalise to one host, a key written as a bare host wins,
 * else the first. Throws `RegistryError` `INVALID_CONFIG`; messages never contain secrets.
 */
export function parseDockerConfig(config: unknown): Map<string, Credentials> {
  const parsed = dockerConfigSchema.safeParse(config);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw configError(`not a docker config.json object${where ? ` (at ${where})` : ''}`);
  }
  const result = new Map<string, Credentials>();
  const bare = new Set<string>();
  for (const [key, entry] of Object.entries(parsed.data.auths ?? {})) {
    const host = normalizeRegistryKey(key);
    const credentials = entryCredentials(key, entry);
    if (credentials === undefined) continue;
    const isBare = key.trim().toLowerCase() === host;
    if (result.has(host) && (bare.has(host) || !isBare)) continue;
    result.set(host, credentials);
    if (isBare) bare.add(host);
  }
  return result;
}

/**
 * Parses the text of a docker `config.json`. Invalid JSON throws `RegistryError` `INVALID_CONFIG`
 * saying only that: V8's own message quotes the text around the error, which holds passwords.
 */
export function parseDockerConfigJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw configError('not valid JSON');
  }
}

/** A provider backed by a docker `config.json` object (see `parseDockerConfig`); parses once, eagerly. */
export function dockerConfigCredentials(config: unknown): CredentialProvider {
  const entries = parseDockerConfig(config);
  return async (registry) => entries.get(normalizeRegistryKey(registry));
}

/** A provider answering for one registry host only (tests, CLI flags). */
export function staticCredentials(registry: string, credentials: Credentials): CredentialProvider {
  const host = normalizeRegistryKey(registry);
  return async (asked) => (normalizeRegistryKey(asked) === host ? credentials : undefined);
}

/** Asks each provider in order; the first that has credentials for the host wins. */
export function chainCredentials(...providers: readonly CredentialProvider[]): CredentialProvider {
  return async (registry) => {
    for (const provider of providers) {
      const credentials = await provider(registry);
      if (credentials !== undefined) return credentials;
    }
    return undefined;
  };
}

/** The `Authorization: Basic` value for a user name and password. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
