// SSH identities: an OpenSSH (or PEM) private key from a Secret, optionally encrypted, and the
// public half users paste as a deploy key. Private key text never appears in a message.
import { createHash } from 'node:crypto';
import type { ParsedKey } from 'ssh2';
import { ssh2 } from './ssh2-lazy.ts';

/** A private key ready to authenticate with. */
export interface SshIdentity {
  /** The parsed key, as ssh2 takes it. */
  key: ParsedKey;
  /** `ssh-ed25519 AAAA… comment`: the line for authorized_keys or a forge's deploy keys. */
  publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** Why an identity could not be loaded. */
export class SshKeyError extends Error {
  override readonly name = 'SshKeyError';
}

/**
 * Parses an OpenSSH or PEM private key (ed25519, ECDSA, RSA), decrypting it with `passphrase` when
 * it is encrypted. Throws SshKeyError with a message that quotes nothing of the key.
 */
export function loadIdentity(privateKey: string, passphrase?: string): SshIdentity {
  let parsed: ParsedKey | Error;
  try {
    parsed = ssh2().utils.parseKey(privateKey, passphrase);
  } catch {
    parsed = new Error('unreadable');
  }
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase|bcrypt/i.test(parsed.message);
    throw new SshKeyError(
      encrypted
        ? `the SSH private key is encrypted and the passphrase is ${passphrase === undefined ? 'missing' : 'wrong'}`
        : 'the SSH private key cannot be read (expected an OpenSSH or PEM private key)',
    );
  }
  if (!parsed.isPrivateKey()) throw new SshKeyError('the SSH identity is a public key, not a private key');
  const blob = parsed.getPublicSSH();
  return {
    key: parsed,
    publicKey: `${parsed.type} ${blob.toString('base64')}${parsed.comment ? ` ${parsed.comment}` : ''}`,
    fingerprint: fingerprintOf(blob),
  };
}

/** `SHA256:<base64 without padding>` of a public key blob. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A new ed25519 key pair in OpenSSH format (unencrypted); `comment` ends the public key line. */
export function generateIdentity(comment: string): { privateKey: string; publicKey: string } {
  const pair = ssh2().utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public.trim() };
}
