// The credentials a GitSync's working copy is opened with: those of its Secret, and for an SSH URL
// whose Secret names no `identity`, the key pair tagpilot made for it (`tagpilot identity`).
import { createHash } from 'node:crypto';
import type { GitSync } from '../api/types.ts';
import { type GitAuth, isSshUrl } from '../git/index.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import type { GitCredentials } from '../kube/secrets.ts';
import type { GitSyncPorts } from './ports.ts';

/** Credentials for `openRepository`, or why there are none. */
export type ResolvedCredentials = { ok: true; auth: GitAuth | undefined } | { ok: false; message: string };

/**
 * `credentials` as git/ takes them. For an SSH URL without an identity in the Secret, the generated
 * key pair is read (made on first use) through `ports.sshIdentity`; its known_hosts still come from
 * the Secret.
 */
export async function resolveCredentials(
  gitsync: GitSync,
  credentials: GitCredentials | undefined,
  ports: Pick<GitSyncPorts, 'sshIdentity'>,
  impersonate: Impersonation | undefined,
): Promise<ResolvedCredentials> {
  const knownHostsOnly =
    credentials !== undefined && !('identity' in credentials) && 'knownHosts' in credentials;
  if (!isSshUrl(gitsync.spec.url))
    return { ok: true, auth: knownHostsOnly ? undefined : (credentials as GitAuth) };
  if (credentials !== undefined && 'identity' in credentials) return { ok: true, auth: credentials };
  if (ports.sshIdentity === undefined) return { ok: true, auth: undefined };
  const { namespace = 'default', name } = gitsync.metadata;
  try {
    const pair = await ports.sshIdentity(impersonate, {
      apiVersion: gitsync.apiVersion,
      kind: gitsync.kind,
      namespace,
      name,
      uid: gitsync.metadata.uid,
    });
    const knownHosts = knownHostsOnly ? credentials.knownHosts : undefined;
    return { ok: true, auth: { identity: pair.privateKey, ...(knownHosts ? { knownHosts } : {}) } };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `cannot read or create the SSH identity of ${namespace}/${name}: ${why}` };
  }
}

/** A digest of credentials, to notice a rotated key or password without keeping another copy. */
export function credentialsDigest(auth: GitAuth | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify(auth ?? null))
    .digest('hex');
}
