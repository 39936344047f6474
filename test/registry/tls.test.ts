// The registry client against the real distribution registry serving HTTPS with a certificate from
// a CA the test makes with openssl (distribution's own `http.tls` settings), its token realm on
// HTTPS too: with the CA (per call, or --ca-file with --tls-registries) tags are listed; without it
// the scan fails with TLS_CERTIFICATE naming the problem; a registry that requires client
// certificates refuses a client without one and serves one with it; skip-verify works and warns.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { isRegistryError, RegistryClient, RegistryError, staticCredentials } from '../../registry/index.ts';
import { makeTestPki, type TestPki } from '../support/certs.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';

describe('registry over TLS', () => {
  let temp: string;
  let pki: TestPki;
  let registry: RegistryStack;
  let mtls: RegistryStack;
  const clients: RegistryClient[] = [];
  const pem = (path: string) => readFileSync(path, 'utf8');

  before(async () => {
    temp = makeTempDir('registry-tls');
    pki = await makeTestPki(temp, 'registry');
    const tls = { ...pki.server, ca: pki.ca.cert };
    registry = await startRegistry({ auth: 'token', tls });
    mtls = await startRegistry({ tls: { ...tls, clientCa: pki.ca.cert, clientCert: pki.client } });
    await registry.push.pushImage('team/app', ['1.0.0', '1.1.0']);
    await mtls.push.pushImage('team/app', ['2.0.0']);
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled([registry?.stop(), mtls?.stop()]);
    if (temp) removeTempDir(temp);
  });

  const client = (options: ConstructorParameters<typeof RegistryClient>[0] = {}) => {
    const made = new RegistryClient({ retry: { maxAttempts: 1 }, ...options });
    clients.push(made);
    return made;
  };
  const credentials = () =>
    staticCredentials(registry.host, { username: registry.username, password: registry.password });

  async function expectTlsError(promise: Promise<unknown>, code: RegExp): Promise<RegistryError> {
    const error = await promise.then(
      () => assert.fail('expected TLS_CERTIFICATE'),
      (e: unknown) => e,
    );
    assert.ok(isRegistryError(error, 'TLS_CERTIFICATE'), inspect(error));
    assert.equal(error.retryable, false);
    assert.match(error.message, code);
    assert.ok(!inspect(error, { depth: 10 }).includes('PRIVATE KEY'));
    return error;
  }

  it('with the CA in the call: tags listed, token realm reached over HTTPS with the same CA', async () => {
    const c = client({ credentials: credentials() });
    const tags = await c.listTags(`${registry.host}/team/app`, { tls: { ca: pem(pki.ca.cert) } });
    assert.deepEqual(tags.sort(), ['1.0.0', '1.1.0']);
    assert.ok(registry.tokenServer?.realm.startsWith('https://'));
    assert.ok((registry.tokenServer?.requests() ?? 0) > 0, 'a token was fetched');
  });

  it('without the CA: TLS_CERTIFICATE naming the certificate problem and the fix', async () => {
    // The loopback host is reached over HTTPS because it is listed in tlsHosts (--tls-registries).
    const c = client({ credentials: credentials(), tlsHosts: [registry.host] });
    const error = await expectTlsError(
      c.listTags(`${registry.host}/team/app`),
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
    );
    assert.match(error.message, /signed by a CA that is not trusted/);
    assert.match(error.message, /spec\.certSecretRef \(key ca\.crt\) or --ca-file/);
    assert.ok(error.message.includes(`https://${registry.host}/v2/team/app/tags/list`), error.message);
  });

  it('--ca-file with --tls-registries: the controller-level CA on the shared pool', async () => {
    const c = client({ credentials: credentials(), tlsHosts: [registry.host], extraCa: pem(pki.ca.cert) });
    assert.deepEqual((await c.listTags(`${registry.host}/team/app`)).sort(), ['1.0.0', '1.1.0']);
    assert.match(await c.getDigest(`${registry.host}/team/app:1.1.0`), /^sha256:/);
  });

  it('a loopback registry without TLS settings is still asked over plain HTTP: the error says how to switch', async () => {
    const c = client({ credentials: credentials() });
    await assert.rejects(c.listTags(`${registry.host}/team/app`), (error: unknown) => {
      assert.ok(error instanceof RegistryError, inspect(error));
      assert.match(
        error.message,
        /speaks HTTPS, but was asked over plain HTTP \(HTTP 400.*spec\.certSecretRef.*--tls-registries/,
      );
      return true;
    });
  });

  it('mTLS: refused without a client certificate, served with it', async () => {
    const c = client();
    const ca = pem(pki.ca.cert);
    const error = await expectTlsError(
      c.listTags(`${mtls.host}/team/app`, { tls: { ca } }),
      /client certificate/,
    );
    assert.match(error.message, /tls\.crt and tls\.key/);
    const stranger = await makeTestPki(temp, 'stranger');
    const refused = await expectTlsError(
      c.listTags(`${mtls.host}/team/app`, {
        tls: { ca, cert: pem(stranger.client.cert), key: pem(stranger.client.key) },
      }),
      /the server refused the client certificate/,
    );
    assert.match(refused.message, /\(ERR_SSL_/);
    const tls = { ca, cert: pem(pki.client.cert), key: pem(pki.client.key) };
    assert.deepEqual(await c.listTags(`${mtls.host}/team/app`, { tls }), ['2.0.0']);
  });

  it('insecureSkipVerify: tags listed without the CA, a warning for every new connection', async () => {
    const warned: string[] = [];
    const c = client({ credentials: credentials(), onInsecureConnection: (host) => warned.push(host) });
    const tags = await c.listTags(`${registry.host}/team/app`, { tls: { insecureSkipVerify: true } });
    assert.deepEqual(tags.sort(), ['1.0.0', '1.1.0']);
    assert.ok(warned.length >= 2, `registry and token realm connections warned: ${warned.join(', ')}`);
    assert.ok(warned.every((host) => host === '127.0.0.1'));
  });
});
