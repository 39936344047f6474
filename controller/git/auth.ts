// Credentials for Git over HTTPS, from a GitSync's secretRef (`username`/`password` or `token`).

/** Basic credentials. */
export interface GitBasicAuth {
  username: string;
  password: string;
}

/**
 * A personal access / app token. It is sent as the password of HTTP Basic auth with `username`
 * (default `x-access-token`): GitHub, GitLab, Gitea, Forgejo and Bitbucket Server all accept a
 * token that way, while Bearer is understood by fewer servers.
 */
export interface GitTokenAuth {
  token: string;
  /** Default `x-access-token`. */
  username?: string;
}

/**
 * An SSH identity (Secret keys `identity`, `known_hosts`, and `passphrase` or, as in Flux,
 * `password`). Only for SSH URLs.
 */
export interface GitSshAuth {
  /** OpenSSH (or PEM) private key: ed25519, ECDSA or RSA. */
  identity: string;
  /** The passphrase of an encrypted `identity`. */
  passphrase?: string;
  /** known_hosts text; without it no SSH connection is made. */
  knownHosts?: string;
}

/** Credentials for one repository. */
export type GitAuth = GitBasicAuth | GitTokenAuth | GitSshAuth;

/** True for SSH credentials. */
export function isSshAuth(auth: GitAuth | undefined): auth is GitSshAuth {
  return auth !== undefined && 'identity' in auth;
}

/** The username sent with a token. */
export const TOKEN_USERNAME = 'x-access-token';

/** A URL split into the part that may be shown and logged, and the credentials it carried. */
export interface SanitizedUrl {
  /** The URL without user info, query or fragment, and without a trailing slash. */
  url: string;
  /** Credentials found in the URL's user info, if any. */
  auth: GitBasicAuth | undefined;
}

/**
 * Strips credentials from a repository URL (`https://user:pass@host/repo.git`); they are used as
 * Basic auth when no secret is configured, like the git CLI does. Returns undefined for a URL that is
 * not http(s).
 */
export function sanitizeUrl(raw: string): SanitizedUrl | undefined {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const auth =
    parsed.username || parsed.password
      ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
      : undefined;
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  return { url: parsed.toString().replace(/\/+$/, ''), auth };
}

/** The `Authorization` header value for the credentials. */
export function authorizationHeader(auth: GitBasicAuth | GitTokenAuth): string {
  const { username, password } = basicCredentials(auth);
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Every string that must be kept out of messages and logs for these credentials. */
export function secretsOf(auth: GitAuth | undefined): string[] {
  if (auth === undefined) return [];
  if (isSshAuth(auth)) return auth.passphrase ? [auth.passphrase] : [];
  const { password } = basicCredentials(auth);
  if (password === '') return [];
  return [password, encodeURIComponent(password), authorizationHeader(auth).slice('Basic '.length)];
}

function basicCredentials(auth: GitBasicAuth | GitTokenAuth): GitBasicAuth {
  if ('token' in auth) return { username: auth.username ?? TOKEN_USERNAME, password: auth.token };
  return auth;
}
