// Signing keys for the commits tagpilot writes (spec.automation.commit.signingKey): an OpenPGP key
// (Secret key `git.asc`, as Flux names it) or an SSH key (Secret key `identity`, Git's
// gpg.format=ssh), each with an optional `passphrase`. A key is parsed and decrypted once, when the
// repository is opened; a key that cannot sign is a SigningKeyError naming the Secret and key, never
// quoting key material. `sign` has the shape of isomorphic-git's `onSign` (payload in, armored
// detached signature out); repository.ts puts the signature in the commit's `gpgsig` header.
import * as openpgp from 'openpgp';
import { fingerprintOf, loadIdentity, SshKeyError } from './ssh-keys.ts';
import { sshSignature } from './sshsig.ts';

/** The Secret key of an armored OpenPGP private key (Flux's image-automation-controller name). */
export const OPENPGP_KEY = 'git.asc';
/** The Secret key of an OpenSSH private key used to sign (the same name as the SSH transport's key). */
export const SSH_SIGNING_KEY = 'identity';
/** The Secret key of the passphrase of either key. */
export const SIGNING_PASSPHRASE_KEY = 'passphrase';

/** A signing key as read from its Secret, before it is parsed. */
export interface SigningKeyMaterial {
  format: 'openpgp' | 'ssh';
  /** The armored OpenPGP private key or the OpenSSH private key. */
  privateKey: string;
  passphrase?: string | undefined;
  /** Where it came from, for messages: `Secret <namespace>/<name> key <key>`. */
  source: string;
}

/** A parsed, decrypted key that signs commit payloads. */
export interface CommitSigner {
  format: 'openpgp' | 'ssh';
  /** OpenPGP key fingerprint (hex) or SSH `SHA256:…` fingerprint: safe to log. */
  fingerprint: string;
  /** The armored detached signature of `payload` (the commit object without its gpgsig header). */
  sign(payload: string): Promise<string>;
}

/** Why a signing key cannot be used: not found, not a private key, encrypted without the right passphrase. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
  /** Stable code; the GitSync condition reason is `SigningKeyInvalid`. */
  readonly code = 'SIGNING_KEY_INVALID';
  /** A config change is needed; retrying cannot help. */
  readonly retryable = false;
}

/** Parses and decrypts the key. Throws SigningKeyError with a message that names `source` and quotes nothing of the key. */
export async function loadCommitSigner(material: SigningKeyMaterial): Promise<CommitSigner> {
  return material.format === 'ssh' ? sshSigner(material) : openpgpSigner(material);
}

function sshSigner(material: SigningKeyMaterial): CommitSigner {
  try {
    const { key } = loadIdentity(material.privateKey, material.passphrase);
    const fingerprint = fingerprintOf(key.getPublicSSH());
    // Fails now, not at the first commit, for a key type that cannot sign (e.g. DSA).
    sshSignature(key, 'tagpilot signing key check');
    return { format: 'ssh', fingerprint, sign: async (payload) => sshSignature(key, payload) };
  } catch (error) {
    const why = error instanceof SshKeyError ? error.message : 'the SSH private key cannot sign';
    throw new SigningKeyError(`${material.source}: ${why}`);
  }
}

async function openpgpSigner(material: SigningKeyMaterial): Promise<CommitSigner> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: material.privateKey });
  } catch {
    throw new SigningKeyError(
      `${material.source}: not an armored OpenPGP private key (export one with \`gpg --armor --export-secret-keys <id>\`)`,
    );
  }
  if (!key.isDecrypted()) key = await decrypt(key, material);
  try {
    await key.getSigningKey();
  } catch {
    throw new SigningKeyError(`${material.source}: the OpenPGP key has no usable signing (sub)key`);
  }
  const signingKey = key;
  return {
    format: 'openpgp',
    fingerprint: key.getFingerprint().toUpperCase(),
    sign: async (payload) => {
      // Binary mode, as `gpg --detach-sign` signs for git: the payload's bytes exactly.
      const message = await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') });
      return openpgp.sign({ message, signingKeys: signingKey, detached: true, format: 'armored' });
    },
  };
}

async function decrypt(key: openpgp.PrivateKey, material: SigningKeyMaterial): Promise<openpgp.PrivateKey> {
  if (material.passphrase === undefined)
    throw new SigningKeyError(
      `${material.source}: the OpenPGP key is encrypted and the Secret has no ${SIGNING_PASSPHRASE_KEY} key`,
    );
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase: material.passphrase });
  } catch {
    throw new SigningKeyError(
      `${material.source}: the OpenPGP key cannot be decrypted with the ${SIGNING_PASSPHRASE_KEY} of the Secret (wrong passphrase?)`,
    );
  }
}
