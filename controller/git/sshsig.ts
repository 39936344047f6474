// SSH signatures as `ssh-keygen -Y sign` makes them and Git (gpg.format=ssh) verifies them: the
// SSHSIG framing of OpenSSH's PROTOCOL.sshsig around a signature made with Node's crypto. ssh2
// parses the key (OpenSSH format, bcrypt-encrypted or not); the framing is small and no
// maintained library writes it, so it is written here.
//
//   signed data:  "SSHSIG" string(namespace) string(reserved="") string(hash) string(H(message))
//   blob:         "SSHSIG" uint32(1) string(publickey) string(namespace) string(reserved)
//                 string(hash) string(signature)
//   signature:    string(algorithm) string(raw signature), as in RFC 4253 §6.6 / RFC 5656 §3.1.2
import { createHash, createPrivateKey, type KeyObject, sign } from 'node:crypto';
import type ssh2 from 'ssh2';

const MAGIC = Buffer.from('SSHSIG');
const VERSION = 1;
/** The hash of the message inside the signature; OpenSSH's default, and what Git's verifier accepts. */
const HASH = 'sha512';
/** Git's namespace for commit and tag signatures (`ssh-keygen -Y verify -n git`). */
export const GIT_NAMESPACE = 'git';

/** Signs `message` in `namespace` (default `git`); returns the armored `-----BEGIN SSH SIGNATURE-----` text. */
export function sshSignature(
  key: ssh2.ParsedKey,
  message: string | Uint8Array,
  namespace = GIT_NAMESPACE,
): string {
  const digest = createHash(HASH).update(message).digest();
  const signedData = Buffer.concat([
    MAGIC,
    sshString(namespace),
    sshString(''),
    sshString(HASH),
    sshString(digest),
  ]);
  const blob = Buffer.concat([
    MAGIC,
    uint32(VERSION),
    sshString(key.getPublicSSH()),
    sshString(namespace),
    sshString(''),
    sshString(HASH),
    sshString(signatureOf(key, signedData)),
  ]);
  return armor(blob);
}

/** The SSH wire signature (algorithm name + signature bytes) of `data` with `key`. */
function signatureOf(key: ssh2.ParsedKey, data: Buffer): Buffer {
  const privateKey: KeyObject = createPrivateKey(key.getPrivatePEM());
  if (key.type === 'ssh-ed25519') return wire('ssh-ed25519', sign(null, data, privateKey));
  // ssh-keygen signs SSHSIG with rsa-sha2-512; plain ssh-rsa (SHA-1) is refused by current verifiers.
  if (key.type === 'ssh-rsa') return wire('rsa-sha2-512', sign('sha512', data, privateKey));
  const curve = /^ecdsa-sha2-nistp(256|384|521)$/.exec(key.type)?.[1];
  if (curve === undefined) throw new Error(`SSH key type ${key.type} cannot make SSH signatures`);
  const hash = { '256': 'sha256', '384': 'sha384', '521': 'sha512' }[curve];
  const raw = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const half = raw.length / 2;
  const rs = Buffer.concat([sshMpint(raw.subarray(0, half)), sshMpint(raw.subarray(half))]);
  return wire(key.type, rs);
}

function wire(algorithm: string, signature: Buffer): Buffer {
  return Buffer.concat([sshString(algorithm), sshString(signature)]);
}

/** Base64 in lines of 70 characters between the SSH SIGNATURE markers, as ssh-keygen writes it. */
function armor(blob: Buffer): string {
  const lines = blob.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN SSH SIGNATURE-----\n${lines.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

function sshString(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/** An unsigned big-endian integer as an SSH mpint: no leading zeros, a zero byte when the top bit is set. */
function sshMpint(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const trimmed = Buffer.from(magnitude.subarray(start));
  const first = trimmed[0];
  const padded = first !== undefined && first >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return sshString(padded);
}
