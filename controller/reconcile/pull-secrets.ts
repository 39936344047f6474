// Registry credentials from Kubernetes: kubernetes.io/dockerconfigjson Secrets named directly or
// through a ServiceAccount's imagePullSecrets. A Secret that cannot be read is reported as a
// value (it ends up in a status condition), never a crash; Secret data never appears in messages.
import {
  type CredentialProvider,
  chainCredentials,
  dockerConfigCredentials,
} from '../../registry/credentials.ts';
import type { KubeClient } from '../kube/client.ts';
import { isKubeError } from '../kube/errors.ts';

/** Credentials found, or why not. */
export type PullSecretResult =
  | { ok: true; credentials: CredentialProvider | undefined }
  | { ok: false; message: string };

interface SecretObject {
  type?: string;
  data?: Record<string, string>;
}

/** Reads the named dockerconfigjson Secrets and the ServiceAccount's imagePullSecrets in `namespace`. */
export async function readPullSecrets(
  client: KubeClient,
  namespace: string,
  options: { secretNames?: readonly string[]; serviceAccountName?: string | undefined },
): Promise<PullSecretResult> {
  const names = [...(options.secretNames ?? [])];
  if (options.serviceAccountName) {
    const path = `/api/v1/namespaces/${namespace}/serviceaccounts/${options.serviceAccountName}`;
    try {
      const account = (await client.request({
        method: 'GET',
        path,
        what: `get ServiceAccount ${namespace}/${options.serviceAccountName}`,
      })) as {
        imagePullSecrets?: { name?: string }[];
      };
      for (const ref of account.imagePullSecrets ?? []) if (ref.name) names.push(ref.name);
    } catch (error) {
      return {
        ok: false,
        message: describe(error, `ServiceAccount ${namespace}/${options.serviceAccountName}`),
      };
    }
  }
  const providers: CredentialProvider[] = [];
  for (const name of new Set(names)) {
    const path = `/api/v1/namespaces/${namespace}/secrets/${name}`;
    let secret: SecretObject;
    try {
      secret = (await client.request({
        method: 'GET',
        path,
        what: `get Secret ${namespace}/${name}`,
      })) as SecretObject;
    } catch (error) {
      return { ok: false, message: describe(error, `Secret ${namespace}/${name}`) };
    }
    const encoded = secret.data?.['.dockerconfigjson'] ?? secret.data?.['.dockercfg'];
    if (!encoded) {
      return {
        ok: false,
        message: `Secret ${namespace}/${name} is not of type kubernetes.io/dockerconfigjson (no .dockerconfigjson key)`,
      };
    }
    try {
      const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
      const config = secret.data?.['.dockerconfigjson'] ? parsed : { auths: parsed };
      providers.push(dockerConfigCredentials(config));
    } catch {
      return { ok: false, message: `Secret ${namespace}/${name}: .dockerconfigjson is not valid JSON` };
    }
  }
  return { ok: true, credentials: providers.length > 0 ? chainCredentials(...providers) : undefined };
}

function describe(error: unknown, what: string): string {
  if (isKubeError(error, 'NotFound')) return `${what} not found`;
  if (isKubeError(error, 'Forbidden')) return `not allowed to read ${what}`;
  return `cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`;
}
