// Git over TLS against the real Git server behind node:https, with a CA made by openssl: the CA
// from the object's settings or the controller's --ca-file makes fetch and push work; without it
// the clone fails with TLS_CERTIFICATE naming the certificate problem; a server that requires a
// client certificate refuses a client without one and accepts the right one; skip-verify works
// and warns on every connection.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import { commitAndPush } from '../../controller/automation/index.ts';
import { createGitHttpClient, GitError, openRepository } from '../../controller/git/index.ts';
import {
  type ConnectOption,
  TlsAgents,
  type TlsSettings,
  tlsConnector,
} from '../../controller/util/index.ts';
import { issueCert, makeCa, makeTestPki, type TestPki } from '../support/certs.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';
import { FLUX_DEMO, flaskUpdate, REGISTRY } from './harness.ts';

const agentWith = (connect: ConnectOption) => new Agent({ keepAliveTimeout: 5_000, connect });

describe('Git over TLS', () => {
  let temp: string;
  let pki: TestPki;
  let server: GitServer;
  let mtls: GitServer;
  let n = 0;
  const warnings: string[] = [];
  const agents: TlsAgents[] = [];

  before(async () => {
    temp = makeTempDir('git-tls');
    pki = await makeTestPki(temp, 'git');
    server = await startGitServer({ tls: pki.server });
    mtls = await startGitServer({ tls: { ...pki.server, clientCa: pki.ca.cert } });
    for (const s of [server, mtls])
      await s.createRepo('flux-demo', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
  });
  after(async () => {
    await Promise.allSettled(agents.map((a) => a.close()));
    await Promise.allSettled([server?.stop(), mtls?.stop()]);
    if (temp) removeTempDir(temp);
  });

  const pem = (path: string) => readFileSync(path, 'utf8');
  /** The agent cache as the controller makes it, with `extraCa` standing for --ca-file. */
  const tlsAgents = (extraCa?: string) => {
    const shared = agentWith(tlsConnector(undefined, extraCa));
    const cache = new TlsAgents({
      shared,
      make: agentWith,
      extraCa,
      onInsecureConnection: (host) => warnings.push(host),
    });
    agents.push(cache);
    return { cache, shared };
  };
  const open = (s: GitServer, cache: TlsAgents, tls: TlsSettings | undefined) =>
    openRepository({
      dir: join(temp, `cache-${++n}`),
      url: s.repoUrl('flux-demo'),
      auth: { username: s.username, password: s.password },
      http: createGitHttpClient({ dispatcher: cache.get(tls), headersTimeoutMs: 10_000 }),
    });
  async function expectTlsError(promise: Promise<unknown>, code: RegExp): Promise<GitError> {
    const error = await promise.then(
      () => assert.fail('expected TLS_CERTIFICATE'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GitError, `not a GitError: ${inspect(error)}`);
    assert.equal(error.code, 'TLS_CERTIFICATE', error.message);
    assert.equal(error.retryable, false);
    assert.match(error.message, code);
    assert.ok(!inspect(error, { depth: 10 }).includes('PRIVATE KEY'), 'no key material in the error');
    return error;
  }

  it('without the CA: TLS_CERTIFICATE naming the problem and what to do', async () => {
    const { cache } = tlsAgents();
    const error = await expectTlsError(open(server, cache, undefined), /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    assert.match(error.message, /signed by a CA that is not trusted/);
    assert.match(error.message, /spec\.certSecretRef \(key ca\.crt\) or --ca-file/);
    assert.ok(error.message.includes(server.repoUrl('flux-demo')), error.message);
  });

  it('with the CA from the object: clone, fetch and push succeed on its own pool', async () => {
    const { cache, shared } = tlsAgents();
    const tls = { ca: pem(pki.ca.cert) };
    assert.notEqual(cache.get(tls), shared, 'an object with a CA gets its own pool');
    assert.equal(cache.get({ ca: pem(pki.ca.cert) }), cache.get(tls), 'same settings, same pool');
    assert.equal(cache.get(undefined), shared, 'no settings: the shared pool');
    const repo = await open(server, cache, tls);
    assert.equal(repo.head().message, 'Initial commit');
    const result = await commitAndPush({ repo, updates: [flaskUpdate('develop-v9.9.9')] });
    assert.equal(result.pushed, true);
    assert.equal(result.commit, (await server.gitIn('flux-demo', ['rev-parse', 'main'])).trim());
    assert.equal((await repo.refresh()).oid, result.commit);
  });

  it('--ca-file: the controller-level CA is trusted by the shared pool', async () => {
    const { cache } = tlsAgents(pem(pki.ca.cert));
    const repo = await open(server, cache, undefined);
    assert.ok(repo.head().oid);
    // A CA of the object's own is added to --ca-file's, not in place of it.
    const other = await makeCa(temp, 'unrelated-ca');
    assert.ok((await open(server, cache, { ca: pem(other.cert) })).head().oid);
  });

  it('a certificate for another host name: ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const wrong = await issueCert(temp, 'wrong-name', pki.ca, {
      commonName: 'git.example.test',
      usage: 'server',
      altNames: 'DNS:git.example.test',
    });
    const misnamed = await startGitServer({ tls: wrong });
    try {
      await misnamed.createRepo('flux-demo', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
      const { cache } = tlsAgents();
      const error = await expectTlsError(
        open(misnamed, cache, { ca: pem(pki.ca.cert) }),
        /ERR_TLS_CERT_ALTNAME_INVALID/,
      );
      assert.match(error.message, /does not name this host/);
    } finally {
      await misnamed.stop();
    }
  });

  it('an expired server certificate: CERT_HAS_EXPIRED, even with the CA', async () => {
    const old = await issueCert(temp, 'expired', pki.ca, {
      commonName: '127.0.0.1',
      usage: 'server',
      expired: true,
    });
    const stale = await startGitServer({ tls: old });
    try {
      await stale.createRepo('flux-demo', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
      const { cache } = tlsAgents();
      const error = await expectTlsError(open(stale, cache, { ca: pem(pki.ca.cert) }), /CERT_HAS_EXPIRED/);
      assert.match(error.message, /the server's certificate has expired .*renew the certificate/);
    } finally {
      await stale.stop();
    }
  });

  it('mTLS: refused without a client certificate, accepted with it', async () => {
    const { cache } = tlsAgents();
    const ca = pem(pki.ca.cert);
    const error = await expectTlsError(open(mtls, cache, { ca }), /client certificate/);
    assert.match(error.message, /tls\.crt and tls\.key/);
    const repo = await open(mtls, cache, { ca, cert: pem(pki.client.cert), key: pem(pki.client.key) });
    assert.equal(repo.head().message, 'Initial commit');
  });

  it('insecureSkipVerify: works without the CA and warns on every new connection', async () => {
    const { cache } = tlsAgents();
    const before = warnings.length;
    const repo = await open(server, cache, { insecureSkipVerify: true });
    assert.match(repo.head().oid, /^[0-9a-f]{40}$/);
    const warned = warnings.slice(before);
    assert.ok(warned.length >= 1, 'a warning for the connection');
    assert.ok(warned.every((host) => host === '127.0.0.1'));
  });
});
