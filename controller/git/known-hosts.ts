// OpenSSH known_hosts, as `ssh` reads it: plain and hashed (`|1|salt|hash`) host patterns,
// `[host]:port` for other ports, wildcards and negation, and the markers @revoked and
// @cert-authority (certificates are not supported: such lines are ignored, never trusted).
import { createHmac } from 'node:crypto';

/** One usable line of a known_hosts file. */
export interface KnownHost {
  /** The host patterns (comma separated in the file), or one hashed entry. */
  hosts: string[];
  /** Key type as written, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The public key blob. */
  key: Buffer;
  revoked: boolean;
}

/** The verdict on a host key. */
export type HostKeyVerdict =
  | 'trusted'
  /** No line names this host. */
  | 'unknown'
  /** Lines name this host, but none with this key: the key changed (or a machine in the middle). */
  | 'changed'
  /** The key is marked @revoked. */
  | 'revoked';

/** Parses known_hosts text; lines that cannot be read (and @cert-authority lines) are skipped. */
export function parseKnownHosts(text: string): KnownHost[] {
  const entries: KnownHost[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) marker = fields.shift();
    if (marker !== undefined && marker !== '@revoked') continue;
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) continue;
    entries.push({
      hosts: hosts.startsWith('|') ? [hosts] : hosts.split(','),
      keyType,
      key: Buffer.from(keyBase64, 'base64'),
      revoked: marker === '@revoked',
    });
  }
  return entries;
}

/** The name `ssh` looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The entries that name `host:port` (a negated pattern excludes the whole line). */
export function entriesFor(entries: readonly KnownHost[], host: string, port: number): KnownHost[] {
  const name = hostKeyName(host, port);
  return entries.filter((entry) => lineMatches(entry.hosts, name));
}

/** Whether `key` (a public key blob) is the known key of `host:port`. */
export function verifyHostKey(
  entries: readonly KnownHost[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const forHost = entriesFor(entries, host, port);
  if (forHost.some((entry) => entry.revoked && entry.key.equals(key))) return 'revoked';
  const trusted = forHost.filter((entry) => !entry.revoked);
  if (trusted.length === 0) return 'unknown';
  return trusted.some((entry) => entry.key.equals(key)) ? 'trusted' : 'changed';
}

/**
 * The host key algorithms to offer for `host:port`: only those of its known keys, so that a server
 * with several keys shows one we can check (as `ssh` orders them). Empty when the host is unknown.
 */
export function knownKeyTypes(entries: readonly KnownHost[], host: string, port: number): string[] {
  const types = new Set<string>();
  for (const entry of entriesFor(entries, host, port)) {
    if (entry.revoked) continue;
    // An RSA key can be shown with the SHA-2 signature algorithms.
    if (entry.keyType === 'ssh-rsa') for (const type of ['rsa-sha2-512', 'rsa-sha2-256']) types.add(type);
    types.add(entry.keyType);
  }
  return [...types];
}

function lineMatches(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('|1|')) {
      if (hashedMatches(pattern, name)) matched = true;
      continue;
    }
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function hashedMatches(entry: string, name: string): boolean {
  const [, , salt, hash] = entry.split('|');
  if (salt === undefined || hash === undefined) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** `*` and `?` as in ssh_config patterns; case-insensitive like host names. */
function globMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}
