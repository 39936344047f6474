import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { knownKeyTypes, parseKnownHosts, verifyHostKey } from './known-hosts.ts';

const KEY_A = Buffer.from('key-a');
const KEY_B = Buffer.from('key-b');
const b64 = (key: Buffer) => key.toString('base64');

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdefghij');
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${hash}`;
}

describe('known_hosts', () => {
  const cases: { name: string; file: string; host: string; port: number; key: Buffer; expected: string }[] = [
    {
      name: 'plain host, port 22',
      file: `github.com ssh-ed25519 ${b64(KEY_A)}`,
      host: 'github.com',
      port: 22,
      key: KEY_A,
      expected: 'trusted',
    },
    {
      name: 'several names on one line',
      file: `gh,github.com,140.82.1.1 ssh-ed25519 ${b64(KEY_A)}`,
      host: '140.82.1.1',
      port: 22,
      key: KEY_A,
      expected: 'trusted',
    },
    {
      name: 'another port needs [host]:port',
      file: `git.local ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.local',
      port: 2222,
      key: KEY_A,
      expected: 'unknown',
    },
    {
      name: '[host]:port form',
      file: `[git.local]:2222 ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.local',
      port: 2222,
      key: KEY_A,
      expected: 'trusted',
    },
    {
      name: 'hashed entry',
      file: `${hashed('[127.0.0.1]:2200')} ssh-ed25519 ${b64(KEY_A)}`,
      host: '127.0.0.1',
      port: 2200,
      key: KEY_A,
      expected: 'trusted',
    },
    {
      name: 'hashed entry of another host',
      file: `${hashed('other')} ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.local',
      port: 22,
      key: KEY_A,
      expected: 'unknown',
    },
    {
      name: 'changed key',
      file: `git.local ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.local',
      port: 22,
      key: KEY_B,
      expected: 'changed',
    },
    {
      name: 'one of two keys matches',
      file: `git.local ssh-rsa ${b64(KEY_B)}\ngit.local ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.local',
      port: 22,
      key: KEY_A,
      expected: 'trusted',
    },
    {
      name: '@revoked wins',
      file: `@revoked * ssh-ed25519 ${b64(KEY_A)}\ngit.local ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.local',
      port: 22,
      key: KEY_A,
      expected: 'revoked',
    },
    {
      name: '@cert-authority lines are not trusted',
      file: `@cert-authority * ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.local',
      port: 22,
      key: KEY_A,
      expected: 'unknown',
    },
    {
      name: 'wildcard',
      file: `*.example.com ssh-ed25519 ${b64(KEY_A)}`,
      host: 'git.example.com',
      port: 22,
      key: KEY_A,
      expected: 'trusted',
    },
    {
      name: 'negation excludes',
      file: `*.example.com,!evil.example.com ssh-ed25519 ${b64(KEY_A)}`,
      host: 'evil.example.com',
      port: 22,
      key: KEY_A,
      expected: 'unknown',
    },
    {
      name: 'comments and junk are skipped',
      file: `# comment\n\ngarbage\ngit.local ssh-ed25519 ${b64(KEY_A)} user@box`,
      host: 'git.local',
      port: 22,
      key: KEY_A,
      expected: 'trusted',
    },
  ];
  for (const { name, file, host, port, key, expected } of cases) {
    it(name, () => assert.equal(verifyHostKey(parseKnownHosts(file), host, port, key), expected));
  }

  it('offers only the host key algorithms it can check', () => {
    const entries = parseKnownHosts(`git.local ssh-rsa ${b64(KEY_A)}\nother ssh-ed25519 ${b64(KEY_B)}`);
    assert.deepEqual(knownKeyTypes(entries, 'git.local', 22), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    assert.deepEqual(knownKeyTypes(entries, 'nowhere', 22), []);
  });
});
