import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chainCredentials,
  dockerConfigCredentials,
  normalizeRegistryKey,
  parseDockerConfig,
  parseDockerConfigJson,
  staticCredentials,
} from './credentials.ts';
import { isRegistryError } from './errors.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('normalizeRegistryKey', () => {
  const cases: [string, string][] = [
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['http://localhost:5000/v2/', 'localhost:5000'],
    ['GHCR.IO', 'ghcr.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['  quay.io/some/path ', 'quay.io'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} -> ${expected}`, () => assert.equal(normalizeRegistryKey(input), expected));
  }
});

describe('parseDockerConfig', () => {
  test('reads auth (base64, password may contain colons), username/password and registrytoken', () => {
    const entries = parseDockerConfig({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:p:a:ss') },
        'ghcr.io': { username: 'gh', password: 'tok' },
        'https://registry.example/v2/': { registrytoken: 'bearer-xyz' },
        'empty.example': {},
      },
    });
    assert.deepEqual(Object.fromEntries(entries), {
      'docker.io': { username: 'hubuser', password: 'p:a:ss' },
      'ghcr.io': { username: 'gh', password: 'tok' },
      'registry.example': { token: 'bearer-xyz' },
    });
  });

  test('a bare-host key wins over a URL key for the same registry, in either order', () => {
    const a = parseDockerConfig({
      auths: { 'https://ghcr.io/': { auth: b64('url:1') }, 'ghcr.io': { auth: b64('bare:2') } },
    });
    const b = parseDockerConfig({
      auths: { 'ghcr.io': { auth: b64('bare:2') }, 'https://ghcr.io/': { auth: b64('url:1') } },
    });
    assert.deepEqual(a.get('ghcr.io'), { username: 'bare', password: '2' });
    assert.deepEqual(b.get('ghcr.io'), { username: 'bare', password: '2' });
  });

  test('a config without auths has no credentials', () => {
    assert.equal(parseDockerConfig({ credsStore: 'desktop' }).size, 0);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'nope', /not a docker config.json/],
    ['auths not a map', { auths: [] }, /not a docker config.json.*auths/],
    [
      'auth not user:password',
      { auths: { 'x.io': { auth: b64('nocolon-secret') } } },
      /auths\["x.io"\]\.auth/,
    ],
  ];
  for (const [name, config, message] of bad) {
    test(`invalid: ${name}`, () => {
      assert.throws(
        () => parseDockerConfig(config),
        (error: unknown) => {
          assert.ok(isRegistryError(error, 'INVALID_CONFIG'));
          assert.match(error.message, message);
          assert.doesNotMatch(error.message, /secret/);
          return true;
        },
      );
    });
  }
});

describe('credential providers', () => {
  test('dockerConfigCredentials looks up normalised hosts', async () => {
    const provider = dockerConfigCredentials({
      auths: { 'https://index.docker.io/v1/': { auth: b64('u:p') } },
    });
    assert.deepEqual(await provider('docker.io'), { username: 'u', password: 'p' });
    assert.deepEqual(await provider('registry-1.docker.io'), { username: 'u', password: 'p' });
    assert.equal(await provider('ghcr.io'), undefined);
  });

  test('chainCredentials returns the first provider that answers', async () => {
    const chain = chainCredentials(
      staticCredentials('ghcr.io', { token: 'first' }),
      staticCredentials('ghcr.io', { token: 'second' }),
      staticCredentials('quay.io', { token: 'quay' }),
    );
    assert.deepEqual(await chain('ghcr.io'), { token: 'first' });
    assert.deepEqual(await chain('quay.io'), { token: 'quay' });
    assert.equal(await chain('docker.io'), undefined);
  });
});

describe('parseDockerConfigJson', () => {
  test('invalid JSON says so without quoting the text (V8 would quote the password)', () => {
    for (const text of [
      '{"auths": {"r": {"password": hunter2}}}',
      '{"auths":{"r":{"auth":"aHVudGVyMg=="}}} x',
    ]) {
      assert.throws(
        () => parseDockerConfigJson(text),
        (error: unknown) =>
          isRegistryError(error) &&
          error.code === 'INVALID_CONFIG' &&
          error.message === 'docker config: not valid JSON' &&
          error.cause === undefined,
      );
    }
  });

  test('valid JSON is returned as is', () => {
    assert.deepEqual(parseDockerConfigJson('{"auths": {}}'), { auths: {} });
  });
});
