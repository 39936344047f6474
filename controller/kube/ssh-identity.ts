// The SSH key pair tagpilot makes for a GitSync whose Secret names no identity (like
// `fluxctl identity`): kept in a Secret `<gitsync>-tagpilot-identity` beside the GitSync, owned by
// it (deleted with it), with keys `identity` (private, OpenSSH) and `identity.pub`. Read and written
// as the GitSync's ServiceAccount, like every other Secret of a GitSync. Key material is never
// put into a message.
import type { KubeClient } from './client.ts';
import { isKubeError } from './errors.ts';

/** The GitSync a key pair belongs to. */
export interface IdentityOwner {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string | undefined;
}

/** A key pair: private key text and the public key line. */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** The name of the Secret holding the generated identity of GitSync `gitsync`. */
export function identitySecretName(gitsync: string): string {
  return `${gitsync}-tagpilot-identity`;
}

interface IdentitySecret {
  metadata?: { resourceVersion?: string };
  data?: Record<string, string>;
}

/**
 * The GitSync's generated key pair: read from its Secret, or made with `generate` and stored when
 * there is none (or, with `regenerate`, replaced). Two callers racing to create it get the same key.
 */
export async function ensureSshIdentity(
  client: KubeClient,
  owner: IdentityOwner,
  generate: () => KeyPair,
  options: { regenerate?: boolean } = {},
): Promise<KeyPair & { created: boolean }> {
  const name = identitySecretName(owner.name);
  const path = `/api/v1/namespaces/${encodeURIComponent(owner.namespace)}/secrets`;
  const existing = await readSecret(client, path, name, owner.namespace);
  const pair = existing === undefined ? undefined : keyPairOf(existing);
  if (pair && !options.regenerate) return { ...pair, created: false };
  const fresh = generate();
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name,
      namespace: owner.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'tagpilot' },
      annotations: { 'tagpilot.io/identity-of': owner.name },
      ...(owner.uid
        ? {
            ownerReferences: [
              { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid },
            ],
          }
        : {}),
      ...(existing?.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    data: {
      identity: Buffer.from(fresh.privateKey).toString('base64'),
      'identity.pub': Buffer.from(`${fresh.publicKey}\n`).toString('base64'),
    },
  };
  const what = `${existing ? 'replace' : 'create'} Secret ${owner.namespace}/${name}`;
  try {
    await client.request(
      existing
        ? { method: 'PUT', path: `${path}/${encodeURIComponent(name)}`, body, what }
        : { method: 'POST', path, body, what },
    );
  } catch (error) {
    // Someone else made it first: theirs is the key.
    if (!existing && isKubeError(error, 'AlreadyExists')) {
      const theirs = await readSecret(client, path, name, owner.namespace);
      const pairOfTheirs = theirs === undefined ? undefined : keyPairOf(theirs);
      if (pairOfTheirs) return { ...pairOfTheirs, created: false };
    }
    throw error;
  }
  return { ...fresh, created: true };
}

/** The stored key pair of GitSync `owner`, or undefined when none was made yet. */
export async function readSshIdentity(
  client: KubeClient,
  owner: Pick<IdentityOwner, 'namespace' | 'name'>,
): Promise<KeyPair | undefined> {
  const path = `/api/v1/namespaces/${encodeURIComponent(owner.namespace)}/secrets`;
  const secret = await readSecret(client, path, identitySecretName(owner.name), owner.namespace);
  return secret === undefined ? undefined : keyPairOf(secret);
}

async function readSecret(
  client: KubeClient,
  path: string,
  name: string,
  namespace: string,
): Promise<IdentitySecret | undefined> {
  try {
    return (await client.request({
      method: 'GET',
      path: `${path}/${encodeURIComponent(name)}`,
      what: `get Secret ${namespace}/${name}`,
    })) as IdentitySecret;
  } catch (error) {
    if (isKubeError(error, 'NotFound')) return undefined;
    throw error;
  }
}

function keyPairOf(secret: IdentitySecret): KeyPair | undefined {
  const privateKey = secret.data?.identity;
  const publicKey = secret.data?.['identity.pub'];
  if (!privateKey || !publicKey) return undefined;
  return {
    privateKey: Buffer.from(privateKey, 'base64').toString('utf8'),
    publicKey: Buffer.from(publicKey, 'base64').toString('utf8').trim(),
  };
}
