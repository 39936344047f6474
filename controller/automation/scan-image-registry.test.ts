// The scan pipeline on the real registry client, for the answers a real registry does not give on
// demand (429 and 503 that outlast every retry, a token realm that refuses connections), through
// undici's MockAgent with the network closed and every interceptor required to fire. The same
// faults against the real registry are in test/safety/never-downgrade.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { MockAgent } from 'undici';
import { RegistryClient, type RegistryErrorCode } from '../../registry/index.ts';
import { policyFromAnnotations } from '../policy/index.ts';
import { registryScanners } from './registry-scanner.ts';
import { scanImage } from './scan-image.ts';

const REGISTRY = 'https://registry.example';
const REALM = 'https://auth.example';
const TAGS = '/v2/flask/tags/list?n=10000';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

let agent: MockAgent;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A single-platform image: its manifest, config and their digests. */
function image(created: string) {
  const config = JSON.stringify({ created, architecture: 'amd64', os: 'linux' });
  const configDigest = sha256(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers: [],
  });
  return { config, configDigest, manifest, digest: sha256(manifest) };
}

const old = image('2026-01-01T00:00:00Z');
const current = image('2026-02-01T00:00:00Z');

function serveTags(pool = agent.get(REGISTRY)) {
  pool
    .intercept({ path: TAGS })
    .reply(200, JSON.stringify({ name: 'flask', tags: ['develop-v1.8.0', 'develop-v1.9.0'] }), {
      headers: { 'content-type': 'application/json' },
    });
}

function serveImage(tag: string, img: ReturnType<typeof image>, blob = true) {
  const pool = agent.get(REGISTRY);
  pool.intercept({ path: `/v2/flask/manifests/${tag}` }).reply(200, img.manifest, {
    headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': img.digest },
  });
  if (blob) pool.intercept({ path: `/v2/flask/blobs/${img.configDigest}` }).reply(200, img.config);
}

async function scan() {
  const client = new RegistryClient({
    dispatcher: agent,
    sleep: async () => {},
    random: () => 0.5,
    retry: { baseDelayMs: 1 },
  });
  const policy = policyFromAnnotations({ filter: 'glob:develop-v*' });
  assert.ok(policy.ok);
  return scanImage({
    scanner: registryScanners(client)({}),
    repository: 'registry.example/flask',
    policy: policy.value,
    current: 'develop-v1.9.0',
  });
}

async function assertFails(code: RegistryErrorCode, message: RegExp) {
  const outcome = await scan();
  assert.equal(outcome.ok, false, 'no choice is made');
  if (outcome.ok) return;
  assert.equal(outcome.code, code, outcome.message);
  assert.match(outcome.message, message);
}

describe('scanImage on the registry client: faults on the current tag never choose an older build', () => {
  test('every answer fine: the current tag is the newest build and stays', async () => {
    serveTags();
    serveImage('develop-v1.8.0', old);
    serveImage('develop-v1.9.0', current);
    const outcome = await scan();
    assert.ok(outcome.ok);
    assert.equal(outcome.result.reason, 'UpToDate');
  });

  test('429 on the current tag manifest after every retry: RATE_LIMITED, the scan fails', async () => {
    serveTags();
    serveImage('develop-v1.8.0', old);
    agent
      .get(REGISTRY)
      .intercept({ path: '/v2/flask/manifests/develop-v1.9.0' })
      .reply(429, '', { headers: { 'retry-after': '1' } })
      .times(4);
    await assertFails('RATE_LIMITED', /develop-v1\.9\.0.*429/);
  });

  test('503 on the current tag config blob after every retry: UNAVAILABLE, the scan fails', async () => {
    serveTags();
    serveImage('develop-v1.8.0', old);
    serveImage('develop-v1.9.0', current, false);
    agent
      .get(REGISTRY)
      .intercept({ path: `/v2/flask/blobs/${current.configDigest}` })
      .reply(503, '')
      .times(4);
    await assertFails('UNAVAILABLE', /503/);
  });

  test('token realm refusing connections: the scan fails before anything is chosen', async () => {
    const challenge = `Bearer realm="${REALM}/token",service="registry.example"`;
    agent
      .get(REGISTRY)
      .intercept({ path: TAGS })
      .reply(401, '', { headers: { 'www-authenticate': challenge } });
    agent
      .get(REALM)
      .intercept({ path: (path) => path.startsWith('/token') })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
      .times(4);
    await assertFails('UNAVAILABLE', /token|auth\.example/);
  });
});
