// Git credentials from a GitSync's secretRef: `username` + `password`, or `token`.
import type { GitAuth } from '../git/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';

/** Credentials, none, or why they could not be read (for a status condition). */
export type GitAuthResult = { ok: true; auth: GitAuth | undefined } | { ok: false; message: string };

/** Reads the Secret named by a GitSync's spec.secretRef. */
export async function readGitAuth(
  client: KubeClient,
  namespace: string,
  secretName: string | undefined,
): Promise<GitAuthResult> {
  if (!secretName) return { ok: true, auth: undefined };
  let secret: { data?: Record<string, string> };
  try {
    secret = (await client.request({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secretName)}`,
      what: `get Secret ${namespace}/${secretName}`,
    })) as { data?: Record<string, string> };
  } catch (error) {
    if (isKubeError(error, 'NotFound'))
      return { ok: false, message: `Secret ${namespace}/${secretName} not found` };
    if (isKubeError(error, 'Forbidden'))
      return { ok: false, message: `not allowed to read Secret ${namespace}/${secretName}` };
    return {
      ok: false,
      message: `cannot read Secret ${namespace}/${secretName}: ${(error as Error).message}`,
    };
  }
  const field = (key: string) => {
    const value = secret.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const token = field('token');
  if (token) return { ok: true, auth: { token } };
  const username = field('username');
  const password = field('password');
  if (username !== undefined && password !== undefined) return { ok: true, auth: { username, password } };
  return {
    ok: false,
    message: `Secret ${namespace}/${secretName} has neither a token key nor username and password keys`,
  };
}
