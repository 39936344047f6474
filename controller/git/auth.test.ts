import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationHeader, sanitizeUrl, secretsOf, TOKEN_USERNAME } from './auth.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('sanitizeUrl', () => {
  const cases = [
    {
      name: 'plain https URL',
      raw: 'https://git.example.test/org/repo.git',
      expected: { url: 'https://git.example.test/org/repo.git', auth: undefined },
    },
    {
      name: 'credentials move out of the URL (percent-decoded)',
      raw: 'https://bot:p%40ss@git.example.test/org/repo.git/',
      expected: { url: 'https://git.example.test/org/repo.git', auth: { username: 'bot', password: 'p@ss' } },
    },
    {
      name: 'query and fragment are dropped',
      raw: 'http://127.0.0.1:8080/repo.git?x=1#y',
      expected: { url: 'http://127.0.0.1:8080/repo.git', auth: undefined },
    },
  ];
  for (const { name, raw, expected } of cases) {
    it(name, () => assert.deepEqual(sanitizeUrl(raw), expected));
  }

  it('refuses ssh, file and garbage', () => {
    for (const raw of ['ssh://git@host/repo.git', 'git@host:repo.git', 'file:///tmp/repo', 'not a url']) {
      assert.equal(sanitizeUrl(raw), undefined, raw);
    }
  });
});

describe('authorizationHeader', () => {
  it('sends Basic credentials as given', () => {
    assert.equal(authorizationHeader({ username: 'u', password: 'p' }), basic('u', 'p'));
  });
  it(`sends a token as the password of ${TOKEN_USERNAME}, or of a configured username`, () => {
    assert.equal(authorizationHeader({ token: 'ghs_abc' }), basic('x-access-token', 'ghs_abc'));
    assert.equal(authorizationHeader({ token: 'glpat-x', username: 'oauth2' }), basic('oauth2', 'glpat-x'));
  });
});

describe('secretsOf', () => {
  it('lists the password in every form it could be printed in', () => {
    assert.deepEqual(secretsOf({ username: 'u', password: 'p w' }), [
      'p w',
      'p%20w',
      Buffer.from('u:p w').toString('base64'),
    ]);
  });
  it('has nothing to hide without credentials', () => {
    assert.deepEqual(secretsOf(undefined), []);
    assert.deepEqual(secretsOf({ username: 'u', password: '' }), []);
  });
});
