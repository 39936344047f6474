// SSHSIG framing checked by the real verifier: OpenSSH's `ssh-keygen -Y verify`, the program Git
// runs for gpg.format=ssh.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadIdentity } from './ssh-keys.ts';
import { sshSignature } from './sshsig.ts';

const PAYLOAD =
  'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\n\nmsg\n';

describe('sshSignature', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sshsig-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function keygen(name: string, args: string[], passphrase = ''): string {
    const file = join(dir, name);
    execFileSync('ssh-keygen', ['-q', ...args, '-N', passphrase, '-C', name, '-f', file]);
    return file;
  }

  function verify(file: string, signature: string, payload: string, namespace = 'git') {
    const allowed = join(dir, `${namespace}-allowed`);
    const pub = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(allowed, `signer@test ${pub}\n`);
    const sig = join(dir, 'sig');
    writeFileSync(sig, signature);
    return spawnSync(
      'ssh-keygen',
      ['-Y', 'verify', '-f', allowed, '-I', 'signer@test', '-n', namespace, '-s', sig],
      {
        input: payload,
        encoding: 'utf8',
      },
    );
  }

  const keyTypes: { name: string; args: string[] }[] = [
    { name: 'ed25519', args: ['-t', 'ed25519'] },
    { name: 'ecdsa-p256', args: ['-t', 'ecdsa', '-b', '256'] },
    { name: 'ecdsa-p384', args: ['-t', 'ecdsa', '-b', '384'] },
    { name: 'ecdsa-p521', args: ['-t', 'ecdsa', '-b', '521'] },
    { name: 'rsa-3072', args: ['-t', 'rsa', '-b', '3072'] },
  ];
  for (const { name, args } of keyTypes) {
    it(`${name}: ssh-keygen -Y verify accepts the signature`, () => {
      const file = keygen(name, args);
      const { key } = loadIdentity(readFileSync(file, 'utf8'));
      const signature = sshSignature(key, PAYLOAD);
      assert.match(
        signature,
        /^-----BEGIN SSH SIGNATURE-----\n[A-Za-z0-9+/=\n]+\n-----END SSH SIGNATURE-----\n$/,
      );
      const result = verify(file, signature, PAYLOAD);
      assert.equal(result.status, 0, result.stderr + result.stdout);
      assert.match(result.stdout, /Good "git" signature for signer@test/);
    });
  }

  it('an encrypted key signs once decrypted with its passphrase', () => {
    const file = keygen('encrypted', ['-t', 'ed25519'], 'correct horse');
    const { key } = loadIdentity(readFileSync(file, 'utf8'), 'correct horse');
    const result = verify(file, sshSignature(key, PAYLOAD), PAYLOAD);
    assert.equal(result.status, 0, result.stderr);
  });

  it('a changed payload, or another namespace, does not verify', () => {
    const file = keygen('tamper', ['-t', 'ed25519']);
    const { key } = loadIdentity(readFileSync(file, 'utf8'));
    const signature = sshSignature(key, PAYLOAD);
    assert.notEqual(verify(file, signature, `${PAYLOAD}x`).status, 0);
    assert.notEqual(verify(file, signature, PAYLOAD, 'file').status, 0);
  });
});
