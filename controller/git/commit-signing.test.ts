import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as openpgp from 'openpgp';
import { loadCommitSigner, SigningKeyError, type SigningKeyMaterial } from './commit-signing.ts';

const PAYLOAD =
  'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\n\nmsg\n';
const SOURCE = 'Secret ns/signing key git.asc';

describe('loadCommitSigner', () => {
  let encrypted: { privateKey: string; publicKey: string };
  let plain: { privateKey: string; publicKey: string };
  let sshDir = '';
  before(async () => {
    const userIDs = [{ name: 'tagpilot test', email: 'bot@example.com' }];
    encrypted = await openpgp.generateKey({
      type: 'curve25519',
      userIDs,
      passphrase: 'sesame',
      format: 'armored',
    });
    plain = await openpgp.generateKey({ type: 'curve25519', userIDs, format: 'armored' });
    sshDir = mkdtempSync(join(tmpdir(), 'signing-'));
  });
  after(() => rmSync(sshDir, { recursive: true, force: true }));

  const openpgpKey = (privateKey: string, passphrase?: string): SigningKeyMaterial => ({
    format: 'openpgp',
    privateKey,
    passphrase,
    source: SOURCE,
  });

  it('OpenPGP: a detached armored signature over the payload bytes that verifies with the public key', async () => {
    const signer = await loadCommitSigner(openpgpKey(encrypted.privateKey, 'sesame'));
    assert.equal(signer.format, 'openpgp');
    assert.match(signer.fingerprint, /^[0-9A-F]{40,64}$/);
    const signature = await signer.sign(PAYLOAD);
    assert.match(signature, /^-----BEGIN PGP SIGNATURE-----\n/);
    const verificationKeys = await openpgp.readKey({ armoredKey: encrypted.publicKey });
    const check = async (payload: string) => {
      const { signatures } = await openpgp.verify({
        message: await openpgp.createMessage({ binary: Buffer.from(payload) }),
        signature: await openpgp.readSignature({ armoredSignature: signature }),
        verificationKeys,
      });
      return signatures[0]?.verified.then(
        () => true,
        () => false,
      );
    };
    assert.equal(await check(PAYLOAD), true);
    assert.equal(await check(`${PAYLOAD} `), false);
  });

  it('OpenPGP: an unencrypted key needs no passphrase', async () => {
    const signer = await loadCommitSigner(openpgpKey(plain.privateKey));
    assert.match(await signer.sign(PAYLOAD), /BEGIN PGP SIGNATURE/);
  });

  const refused: { name: string; material: () => SigningKeyMaterial; message: RegExp }[] = [
    {
      name: 'wrong passphrase',
      material: () => openpgpKey(encrypted.privateKey, 'open barley'),
      message: /Secret ns\/signing key git\.asc: .*cannot be decrypted.*wrong passphrase/,
    },
    {
      name: 'missing passphrase',
      material: () => openpgpKey(encrypted.privateKey),
      message: /encrypted and the Secret has no passphrase key/,
    },
    {
      name: 'a public key',
      material: () => openpgpKey(plain.publicKey),
      message: /not an armored OpenPGP private key/,
    },
    {
      name: 'garbage',
      material: () => openpgpKey('not a key at all'),
      message: /not an armored OpenPGP private key/,
    },
    {
      name: 'an SSH key that is not one',
      material: () => ({ format: 'ssh', privateKey: 'nope', source: 'Secret ns/signing key identity' }),
      message: /Secret ns\/signing key identity: the SSH private key cannot be read/,
    },
  ];
  for (const { name, material, message } of refused) {
    it(`refused: ${name}, with a message that names the Secret and quotes no key material`, async () => {
      const input = material();
      const error = await loadCommitSigner(input).then(
        () => assert.fail('expected a SigningKeyError'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SigningKeyError);
      assert.equal(error.code, 'SIGNING_KEY_INVALID');
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /BEGIN|sesame|open barley|[A-Za-z0-9+/]{40}/);
    });
  }

  it('SSH: a wrong passphrase of an encrypted OpenSSH key is refused', async () => {
    const file = join(sshDir, 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'right', '-f', file]);
    const privateKey = readFileSync(file, 'utf8');
    const source = 'Secret ns/ssh-signing key identity';
    await assert.rejects(loadCommitSigner({ format: 'ssh', privateKey, passphrase: 'wrong', source }), {
      name: 'SigningKeyError',
      message: `${source}: the SSH private key is encrypted and the passphrase is wrong`,
    });
    const signer = await loadCommitSigner({ format: 'ssh', privateKey, passphrase: 'right', source });
    assert.match(signer.fingerprint, /^SHA256:/);
    assert.match(await signer.sign(PAYLOAD), /^-----BEGIN SSH SIGNATURE-----/);
  });
});
