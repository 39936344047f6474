// Secret and ServiceAccount names come from manifests in Git: they are encoded into the API path,
// so a name such as `../serviceaccounts/x` cannot address another resource; and a Secret holding
// broken JSON is reported without its contents. The API server is MockAgent (network closed,
// every interceptor must fire): what is checked is the exact path the client sends.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { KubeClient } from './client.ts';
import { readGitAuth, readPullSecrets, readSigningKey, readTlsSettings } from './secrets.ts';
import { testKubeConfig } from './test-kubeconfig.ts';

const SERVER = 'https://kube.test';
const JSON_HEADERS = { 'content-type': 'application/json' };
const notFound = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' };

describe('Secret reads', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
  const client = () => new KubeClient({ kubeConfig: testKubeConfig(SERVER), dispatcher: agent });

  it('encodes pull Secret and ServiceAccount names and namespaces into the path', async () => {
    const pool = agent.get(SERVER);
    pool
      .intercept({ path: '/api/v1/namespaces/team%2Fa/serviceaccounts/..%2F..%2Fsecrets%2Fx' })
      .reply(404, notFound, { headers: JSON_HEADERS });
    const result = await readPullSecrets(client(), 'team/a', { serviceAccountName: '../../secrets/x' });
    assert.deepEqual(result, { ok: false, message: 'ServiceAccount team/a/../../secrets/x not found' });
    pool
      .intercept({ path: '/api/v1/namespaces/team-a/secrets/..%2Fconfigmaps%2Fx%3Fwatch%3D1' })
      .reply(404, notFound, { headers: JSON_HEADERS });
    const named = await readPullSecrets(client(), 'team-a', { secretNames: ['../configmaps/x?watch=1'] });
    assert.deepEqual(named, { ok: false, message: 'Secret team-a/../configmaps/x?watch=1 not found' });
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const signingCases: { name: string; data: Record<string, string>; expected: unknown }[] = [
    {
      name: 'git.asc and passphrase: OpenPGP',
      data: { 'git.asc': b64('ARMORED'), passphrase: b64('pw') },
      expected: {
        ok: true,
        key: {
          format: 'openpgp',
          privateKey: 'ARMORED',
          passphrase: 'pw',
          source: 'Secret ns/sign key git.asc',
        },
      },
    },
    {
      name: 'identity: SSH',
      data: { identity: b64('OPENSSH') },
      expected: {
        ok: true,
        key: {
          format: 'ssh',
          privateKey: 'OPENSSH',
          passphrase: undefined,
          source: 'Secret ns/sign key identity',
        },
      },
    },
    {
      name: 'both: refused',
      data: { identity: b64('OPENSSH'), 'git.asc': b64('ARMORED') },
      expected: {
        ok: false,
        message:
          'Secret ns/sign has both git.asc (OpenPGP) and identity (SSH) keys; a signing key Secret holds one of them',
      },
    },
    {
      name: 'neither: refused',
      data: { token: b64('t') },
      expected: {
        ok: false,
        message:
          'Secret ns/sign has neither a git.asc key (armored OpenPGP private key) nor an identity key (OpenSSH private key) to sign commits with',
      },
    },
  ];
  for (const { name, data, expected } of signingCases) {
    it(`signing key Secret: ${name}`, async () => {
      agent
        .get(SERVER)
        .intercept({ path: '/api/v1/namespaces/ns/secrets/sign' })
        .reply(200, { kind: 'Secret', data }, { headers: JSON_HEADERS });
      assert.deepEqual(await readSigningKey(client(), 'ns', 'sign'), expected);
    });
  }

  it('encodes the Git credentials Secret name into the path', async () => {
    agent
      .get(SERVER)
      .intercept({ path: '/api/v1/namespaces/team-a/secrets/..%2Fother' })
      .reply(404, notFound, { headers: JSON_HEADERS });
    assert.deepEqual(await readGitAuth(client(), 'team-a', '../other'), {
      ok: false,
      message: 'Secret team-a/../other not found',
    });
  });

  it('a .dockerconfigjson that is not JSON is reported without its contents', async () => {
    const broken = Buffer.from('{"auths": {"r": {"password": hunter2}}}').toString('base64');
    agent
      .get(SERVER)
      .intercept({ path: '/api/v1/namespaces/team-a/secrets/regcred' })
      .reply(
        200,
        { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': broken } },
        { headers: JSON_HEADERS },
      );
    const result = await readPullSecrets(client(), 'team-a', { secretNames: ['regcred'] });
    assert.deepEqual(result, {
      ok: false,
      message: 'Secret team-a/regcred: .dockerconfigjson is not valid JSON',
    });
  });

  it('TLS settings: a missing Secret and a bad PEM are messages naming certSecretRef; never the key', async () => {
    const pool = agent.get(SERVER);
    pool
      .intercept({ path: '/api/v1/namespaces/team-a/secrets/git-ca' })
      .reply(404, notFound, { headers: JSON_HEADERS });
    assert.deepEqual(await readTlsSettings(client(), 'team-a', { certSecretRef: { name: 'git-ca' } }), {
      ok: false,
      message: 'spec.certSecretRef: Secret team-a/git-ca not found',
    });
    const key = Buffer.from('-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n').toString(
      'base64',
    );
    pool.intercept({ path: '/api/v1/namespaces/team-a/secrets/git-ca' }).reply(
      200,
      { data: { 'ca.crt': Buffer.from('not a certificate').toString('base64'), 'tls.key': key } },
      {
        headers: JSON_HEADERS,
      },
    );
    const bad = await readTlsSettings(client(), 'team-a', { certSecretRef: { name: 'git-ca' } });
    assert.deepEqual(bad, {
      ok: false,
      message:
        'spec.certSecretRef: Secret team-a/git-ca key ca.crt holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
    });
    assert.deepEqual(await readTlsSettings(client(), 'team-a', { insecureSkipTLSVerify: true }), {
      ok: true,
      settings: { insecureSkipVerify: true },
    });
    assert.deepEqual(await readTlsSettings(client(), 'team-a', {}), { ok: true, settings: undefined });
  });
});
