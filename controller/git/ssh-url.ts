// SSH repository URLs as the git CLI reads them: `ssh://[user@]host[:port]/path` and the scp-like
// `[user@]host:path`. isomorphic-git only speaks HTTP, so an SSH repository is handed to it under a
// stand-in https URL that our SSH-backed HttpClient (ssh-client.ts) recognises and never resolves.

/** Where an SSH repository lives. */
export interface SshTarget {
  /** Login name. Default `git`, as every forge uses. */
  user: string;
  host: string;
  /** Default 22. */
  port: number;
  /** The path handed to `git-upload-pack '<path>'`: absolute for ssh://, as written for scp-like. */
  path: string;
  /** The URL to show: `ssh://user@host:port/path` (no credentials exist in SSH URLs). */
  display: string;
}

/** The login name when the URL names none. */
export const DEFAULT_SSH_USER = 'git';
/** The host of the stand-in URLs (`.invalid` can never resolve). */
export const STAND_IN_HOST = 'ssh.tagpilot.invalid';

const SCP_LIKE = /^(?:([^@/:\s]+)@)?(\[[^\]\s]+\]|[^@/:\s]+):(?!\/\/)([^\s]+)$/;

/** True when `raw` is an SSH URL (either form); such a URL is then parsed by `parseSshUrl`. */
export function isSshUrl(raw: string): boolean {
  if (/^ssh:\/\//i.test(raw) || /^git\+ssh:\/\//i.test(raw)) return true;
  return parseSshUrl(raw) !== undefined;
}

/** Parses an SSH URL; undefined when it is not one or is malformed (no host, no path, bad port). */
export function parseSshUrl(raw: string): SshTarget | undefined {
  if (/^(git\+)?ssh:\/\//i.test(raw)) return parseSshScheme(raw.replace(/^git\+/i, ''));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return undefined;
  const match = SCP_LIKE.exec(raw);
  if (!match) return undefined;
  const [, user = DEFAULT_SSH_USER, rawHost = '', path = ''] = match;
  const host = rawHost.replace(/^\[(.*)\]$/, '$1');
  // A Windows-style `C:\…` is a local path for git, not a host named C.
  if (host === '' || path === '' || /^[a-z]$/i.test(host)) return undefined;
  return target(user, host, 22, path);
}

function parseSshScheme(raw: string): SshTarget | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 22 : Number(url.port);
  let path = decodeURIComponent(url.pathname);
  // git: ssh://host/~user/repo is relative to that user's home.
  if (path.startsWith('/~')) path = path.slice(1);
  if (host === '' || path === '' || path === '/') return undefined;
  const user = url.username === '' ? DEFAULT_SSH_USER : decodeURIComponent(url.username);
  return target(user, host, port, path);
}

function target(user: string, host: string, port: number, path: string): SshTarget {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const shownPort = port === 22 ? '' : `:${port}`;
  const shownPath = path.startsWith('/') ? path : `/${path}`;
  return { user, host, port, path, display: `ssh://${user}@${shownHost}${shownPort}${shownPath}` };
}

/** The stand-in https URL under which isomorphic-git addresses the repository. Deterministic. */
export function standInUrl(target: SshTarget): string {
  const id = Buffer.from(`${target.user}@${target.host}:${target.port}:${target.path}`).toString('base64url');
  return `https://${STAND_IN_HOST}/${id}.git`;
}

/** `path` quoted for the remote shell the way git quotes it (single quotes; `'` as `'\''`). */
export function shellQuote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
