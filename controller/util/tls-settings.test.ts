import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { makeTestPki, type TestPki } from '../../test/support/certs.ts';
import { makeTempDir, removeTempDir } from '../../test/support/processes.ts';
import { describeTlsFailure } from './tls-errors.ts';
import { parseTlsSecret, readCaBundleFile, tlsSettingsDigest } from './tls-settings.ts';

describe('parseTlsSecret', () => {
  let dir: string;
  let pki: TestPki;
  let other: TestPki;
  const pem = (path: string) => readFileSync(path, 'utf8');
  before(async () => {
    dir = makeTempDir('tls-settings');
    pki = await makeTestPki(dir, 'a');
    other = await makeTestPki(dir, 'b');
  });
  after(() => removeTempDir(dir));
  const where = 'Secret ns/git-tls';

  it('takes ca.crt alone (a bundle of two), a client pair alone, or all three', () => {
    const bundle = pem(pki.ca.cert) + pem(other.ca.cert);
    assert.deepEqual(parseTlsSecret({ 'ca.crt': bundle }, where), { ok: true, settings: { ca: bundle } });
    const pair = { 'tls.crt': pem(pki.client.cert), 'tls.key': pem(pki.client.key) };
    const parsed = parseTlsSecret(pair, where);
    assert.ok(parsed.ok);
    assert.equal(parsed.settings.cert, pair['tls.crt']);
    assert.ok(parseTlsSecret({ ...pair, 'ca.crt': bundle }, where).ok);
  });

  const refused = [
    { name: 'no key at all', fields: {}, message: /has none of the keys ca\.crt, tls\.crt and tls\.key/ },
    { name: 'not PEM', fields: { 'ca.crt': 'hello' }, message: /key ca\.crt holds no PEM certificate/ },
    {
      name: 'a broken certificate',
      fields: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
      message: /ca\.crt: certificate 1 of 1 is not a valid PEM certificate/,
    },
  ];
  for (const { name, fields, message } of refused) {
    it(`refuses ${name} with a message naming the key`, () => {
      const result = parseTlsSecret(fields, where);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.message, message);
    });
  }

  it('refuses a certificate without its key, a bad key, and a key of another certificate, never quoting the key', () => {
    const cert = pem(pki.client.cert);
    const missing = parseTlsSecret({ 'tls.crt': cert }, where);
    assert.match(missing.ok ? '' : missing.message, /needs both tls\.crt and tls\.key; tls\.key is missing/);
    const garbage = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n';
    const bad = parseTlsSecret({ 'tls.crt': cert, 'tls.key': garbage }, where);
    assert.match(bad.ok ? '' : bad.message, /tls\.key is not a valid unencrypted PEM private key/);
    assert.ok(!JSON.stringify(bad).includes('c2VjcmV0'));
    const foreignKey = pem(other.client.key);
    const mismatch = parseTlsSecret({ 'tls.crt': cert, 'tls.key': foreignKey }, where);
    assert.match(mismatch.ok ? '' : mismatch.message, /tls\.key is not the private key of the certificate/);
    assert.ok(!JSON.stringify(mismatch).includes('PRIVATE KEY'));
  });

  it('--ca-file: read and checked, a missing or non-PEM file is a one-line message', () => {
    const read = readCaBundleFile(pki.ca.cert);
    assert.ok(read.ok && read.pem.includes('BEGIN CERTIFICATE'));
    assert.deepEqual(readCaBundleFile(`${dir}/nope.pem`), {
      ok: false,
      message: `--ca-file: cannot read ${dir}/nope.pem (ENOENT)`,
    });
    const key = readCaBundleFile(pki.ca.key);
    assert.match(key.ok ? '' : key.message, /^--ca-file .* holds no PEM certificate/);
    assert.ok(!JSON.stringify(key).includes('PRIVATE'));
  });

  it('digests differ for every setting and are stable', () => {
    const ca = pem(pki.ca.cert);
    const digests = [
      tlsSettingsDigest(undefined),
      tlsSettingsDigest({ ca }),
      tlsSettingsDigest({ ca, insecureSkipVerify: true }),
      tlsSettingsDigest({ ca, cert: pem(pki.client.cert), key: pem(pki.client.key) }),
    ];
    assert.equal(new Set(digests).size, 4);
    assert.equal(tlsSettingsDigest({ ca }), digests[1]);
    assert.equal(tlsSettingsDigest({}), 'none');
  });
});

describe('describeTlsFailure', () => {
  const table = [
    { code: 'SELF_SIGNED_CERT_IN_CHAIN', words: /self-signed CA that is not trusted.*--ca-file/ },
    { code: 'CERT_HAS_EXPIRED', words: /has expired \(CERT_HAS_EXPIRED\); renew/ },
    {
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      words: /requires a client certificate and none was sent/,
    },
    { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', words: /refused the client certificate/ },
  ];
  for (const { code, words } of table) {
    it(`${code}, also as the cause of another error`, () => {
      const direct = Object.assign(new Error('x'), { code });
      assert.match(describeTlsFailure(direct)?.message ?? '', words);
      const wrapped = new Error('fetch failed', { cause: direct });
      assert.equal(describeTlsFailure(wrapped)?.code, code);
    });
  }
  it('not a TLS failure: undefined', () => {
    assert.equal(describeTlsFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), undefined);
    assert.equal(describeTlsFailure('text'), undefined);
  });
});
