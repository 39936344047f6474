// Every Secret the controller reads, read in one place: Git credentials (a GitSync's secretRef) and
// registry pull secrets (kubernetes.io/dockerconfigjson Secrets named directly or through a
// ServiceAccount's imagePullSecrets; for workloads that name none, the implicit `default`
// ServiceAccount's, as the kubelet would use). Names come from manifests in Git, so they are
// encoded into the API path. A Secret that cannot be read is reported as a value (it ends up in a
// status condition), never a crash; Secret data never appears in messages.
import {
  type CredentialProvider,
  chainCredentials,
  dockerConfigCredentials,
  parseDockerConfigJson,
} from '../../registry/credentials.ts';
import { parseTlsSecret, type TlsSettings } from '../util/tls-settings.ts';
import type { KubeClient } from './client.ts';
import { isKubeError } from './errors.ts';

/**
 * SSH credentials: `identity` (a private key), `known_hosts`, and the key's passphrase under
 * `passphrase` or, as Flux names it, `password`.
 */
export interface SshCredentials {
  identity: string;
  knownHosts?: string;
  passphrase?: string;
}

/** Git credentials as git/'s `GitAuth` takes them: a token, username and password, or an SSH key. */
export type GitCredentials =
  | { token: string }
  | { username: string; password: string }
  | SshCredentials
  /** known_hosts only: the SSH key is the one tagpilot makes (kube/ssh-identity.ts). */
  | { knownHosts: string };

/** Credentials, none, or why they could not be read (for a status condition). */
export type GitAuthResult = { ok: true; auth: GitCredentials | undefined } | { ok: false; message: string };

/** Credentials found, or why not. */
export type PullSecretResult =
  | { ok: true; credentials: CredentialProvider | undefined }
  | { ok: false; message: string };

interface SecretObject {
  type?: string;
  data?: Record<string, string>;
}

/** Which Secrets to read. */
export interface PullSecretSources {
  /** dockerconfigjson Secrets named directly (an ImagePolicy's secretRef, a pod spec's imagePullSecrets); default none. */
  secretNames?: readonly string[];
  /** A ServiceAccount named explicitly: its imagePullSecrets are read, and its absence is a problem; default none. */
  serviceAccountName?: string | undefined;
  /**
   * A ServiceAccount a Pod gets without naming one (Kubernetes' `default`):
   * its imagePullSecrets are read when it exists; a missing one is not a problem. Default none.
   */
  implicitServiceAccountName?: string | undefined;
}

/**
 * Reads the Secret named by a GitSync's spec.secretRef: `identity` (+ `known_hosts`, passphrase) for
 * SSH, else `token`, or `username` + `password`.
 */
export async function readGitAuth(
  client: KubeClient,
  namespace: string,
  secretName: string | undefined,
): Promise<GitAuthResult> {
  if (!secretName) return { ok: true, auth: undefined };
  let secret: SecretObject;
  try {
    secret = await getSecret(client, namespace, secretName);
  } catch (error) {
    return { ok: false, message: describe(error, `Secret ${namespace}/${secretName}`) };
  }
  const field = (key: string) => {
    const value = secret.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const identity = field('identity');
  if (identity) {
    const knownHosts = field('known_hosts');
    const passphrase = field('passphrase') ?? field('password');
    return {
      ok: true,
      auth: { identity, ...(knownHosts ? { knownHosts } : {}), ...(passphrase ? { passphrase } : {}) },
    };
  }
  const token = field('token');
  if (token) return { ok: true, auth: { token } };
  const username = field('username');
  const password = field('password');
  if (username !== undefined && password !== undefined) return { ok: true, auth: { username, password } };
  const knownHosts = field('known_hosts');
  if (knownHosts) return { ok: true, auth: { knownHosts } };
  return {
    ok: false,
    message: `Secret ${namespace}/${secretName} has neither an identity key (SSH), a token key, nor username and password keys`,
  };
}

/**
 * A commit signing key as its Secret holds it (spec.automation.commit.signingKey): `git.asc` (an
 * armored OpenPGP private key) or `identity` (an OpenSSH private key), and an optional `passphrase`.
 * The shape git/'s `loadCommitSigner` takes.
 */
export interface SigningKeySecret {
  format: 'openpgp' | 'ssh';
  privateKey: string;
  passphrase?: string | undefined;
  /** `Secret <namespace>/<name> key <key>`, for messages. */
  source: string;
}

/** A signing key, none named, or why it could not be read (for a status condition). */
export type SigningKeyResult =
  | { ok: true; key: SigningKeySecret | undefined }
  | { ok: false; message: string };

/** Reads the signing key Secret named by spec.automation.commit.signingKey.secretRef. */
export async function readSigningKey(
  client: KubeClient,
  namespace: string,
  secretName: string | undefined,
): Promise<SigningKeyResult> {
  if (!secretName) return { ok: true, key: undefined };
  const where = `Secret ${namespace}/${secretName}`;
  let secret: SecretObject;
  try {
    secret = await getSecret(client, namespace, secretName);
  } catch (error) {
    return { ok: false, message: `signing key: ${describe(error, where)}` };
  }
  const field = (key: string) => {
    const value = secret.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const armored = field('git.asc');
  const identity = field('identity');
  const passphrase = field('passphrase');
  if (armored && identity)
    return {
      ok: false,
      message: `${where} has both git.asc (OpenPGP) and identity (SSH) keys; a signing key Secret holds one of them`,
    };
  if (armored)
    return {
      ok: true,
      key: { format: 'openpgp', privateKey: armored, passphrase, source: `${where} key git.asc` },
    };
  if (identity)
    return {
      ok: true,
      key: { format: 'ssh', privateKey: identity, passphrase, source: `${where} key identity` },
    };
  return {
    ok: false,
    message: `${where} has neither a git.asc key (armored OpenPGP private key) nor an identity key (OpenSSH private key) to sign commits with`,
  };
}

/** TLS settings of an object, or why they cannot be used (for a status condition). */
export type TlsSettingsResult =
  | { ok: true; settings: TlsSettings | undefined }
  | { ok: false; message: string };

/**
 * The TLS settings of a GitSync or ImagePolicy: the Secret named by `spec.certSecretRef` (keys
 * `ca.crt`, `tls.crt`, `tls.key`, as Flux names them; PEM checked) plus `insecureSkipTLSVerify`.
 */
export async function readTlsSettings(
  client: KubeClient,
  namespace: string,
  spec: { certSecretRef?: { name: string } | undefined; insecureSkipTLSVerify?: boolean | undefined },
): Promise<TlsSettingsResult> {
  const skip = spec.insecureSkipTLSVerify === true ? { insecureSkipVerify: true } : {};
  const name = spec.certSecretRef?.name;
  if (!name) return { ok: true, settings: spec.insecureSkipTLSVerify === true ? skip : undefined };
  let secret: SecretObject;
  try {
    secret = await getSecret(client, namespace, name);
  } catch (error) {
    return { ok: false, message: `spec.certSecretRef: ${describe(error, `Secret ${namespace}/${name}`)}` };
  }
  const field = (key: string) => {
    const value = secret.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const parsed = parseTlsSecret(
    { 'ca.crt': field('ca.crt'), 'tls.crt': field('tls.crt'), 'tls.key': field('tls.key') },
    `spec.certSecretRef: Secret ${namespace}/${name}`,
  );
  if (!parsed.ok) return parsed;
  return { ok: true, settings: { ...parsed.settings, ...skip } };
}

/** Reads the named dockerconfigjson Secrets and the ServiceAccount's imagePullSecrets in `namespace`. */
export async function readPullSecrets(
  client: KubeClient,
  namespace: string,
  options: PullSecretSources,
): Promise<PullSecretResult> {
  const names = [...(options.secretNames ?? [])];
  for (const [account, implicit] of [
    [options.serviceAccountName, false],
    [options.implicitServiceAccountName, true],
  ] as const) {
    if (!account) continue;
    try {
      names.push(...(await accountPullSecrets(client, namespace, account)));
    } catch (error) {
      if (implicit && isKubeError(error, 'NotFound')) continue;
      return { ok: false, message: describe(error, `ServiceAccount ${namespace}/${account}`) };
    }
  }
  const providers: CredentialProvider[] = [];
  for (const name of new Set(names)) {
    const read = await readDockerConfigSecret(client, namespace, name);
    if (!read.ok) return read;
    providers.push(read.credentials);
  }
  return { ok: true, credentials: providers.length > 0 ? chainCredentials(...providers) : undefined };
}

/** One dockerconfigjson (or legacy dockercfg) Secret as a credential provider. */
async function readDockerConfigSecret(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<{ ok: true; credentials: CredentialProvider } | { ok: false; message: string }> {
  let secret: SecretObject;
  try {
    secret = await getSecret(client, namespace, name);
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
    const parsed = parseDockerConfigJson(Buffer.from(encoded, 'base64').toString('utf8'));
    const config = secret.data?.['.dockerconfigjson'] ? parsed : { auths: parsed };
    return { ok: true, credentials: dockerConfigCredentials(config) };
  } catch {
    return { ok: false, message: `Secret ${namespace}/${name}: .dockerconfigjson is not valid JSON` };
  }
}

async function getSecret(client: KubeClient, namespace: string, name: string): Promise<SecretObject> {
  return (await client.request({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
    what: `get Secret ${namespace}/${name}`,
  })) as SecretObject;
}

async function accountPullSecrets(client: KubeClient, namespace: string, name: string): Promise<string[]> {
  const account = (await client.request({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}`,
    what: `get ServiceAccount ${namespace}/${name}`,
  })) as { imagePullSecrets?: { name?: string }[] };
  return (account.imagePullSecrets ?? []).flatMap((ref) => (ref.name ? [ref.name] : []));
}

function describe(error: unknown, what: string): string {
  if (isKubeError(error, 'NotFound')) return `${what} not found`;
  if (isKubeError(error, 'Forbidden')) return `not allowed to read ${what}`;
  return `cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`;
}
