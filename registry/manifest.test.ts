import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRegistryError } from './errors.ts';
import {
  DOCKER_MANIFEST,
  formatPlatform,
  OCI_INDEX,
  type ParsedManifest,
  parseManifest,
  parsePlatform,
  selectPlatform,
} from './manifest.ts';

const context = { registry: 'r.example', repository: 'app', what: 'manifest r.example/app:1' };
const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('parsePlatform', () => {
  const cases: [string, string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64/v8', 'linux/arm64/v8'],
    ['Linux/x86_64', 'linux/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm/V7', 'linux/arm/v7'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} -> ${expected}`, () => assert.equal(formatPlatform(parsePlatform(input)), expected));
  }
  for (const bad of ['linux', 'linux/', '/amd64', 'linux/arm/v7/x', 'linux/arm/']) {
    test(`invalid: ${bad}`, () => assert.throws(() => parsePlatform(bad), /invalid platform/));
  }
});

describe('selectPlatform', () => {
  const index: ParsedManifest & { kind: 'index' } = {
    kind: 'index',
    manifests: [
      { digest: D('1'), platform: { os: 'linux', architecture: 'amd64', variant: undefined } },
      { digest: D('2'), platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { digest: D('3'), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { digest: D('4'), platform: { os: 'linux', architecture: 'arm64', variant: undefined } },
      { digest: D('5'), platform: { os: 'unknown', architecture: 'unknown', variant: undefined } },
      { digest: D('6'), platform: undefined },
    ],
  };
  const cases: [string, string | undefined][] = [
    ['linux/amd64', D('1')],
    ['linux/arm/v7', D('3')],
    ['linux/arm', D('2')],
    ['linux/arm64', D('4')],
    ['linux/arm64/v8', D('4')],
    ['linux/s390x', undefined],
    ['windows/amd64', undefined],
  ];
  for (const [platform, expected] of cases) {
    test(`${platform}`, () => assert.equal(selectPlatform(index, parsePlatform(platform)), expected));
  }
});

describe('parseManifest', () => {
  const image = JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: { digest: D('c') } });
  const index = JSON.stringify({
    schemaVersion: 2,
    manifests: [{ digest: D('a'), platform: { os: 'linux', architecture: 'amd64' } }],
  });

  test('an image manifest gives its config digest', () => {
    assert.deepEqual(parseManifest(Buffer.from(image), DOCKER_MANIFEST, context), {
      kind: 'image',
      configDigest: D('c'),
    });
  });

  test('an index is recognised by Content-Type, mediaType or shape', () => {
    const expected = {
      kind: 'index',
      manifests: [{ digest: D('a'), platform: { os: 'linux', architecture: 'amd64', variant: undefined } }],
    };
    assert.deepEqual(parseManifest(Buffer.from(index), `${OCI_INDEX}; charset=utf-8`, context), expected);
    assert.deepEqual(parseManifest(Buffer.from(index), 'application/json', context), expected);
  });

  const bad: [string, string, string | undefined, RegExp][] = [
    ['not JSON', '{"schemaVersion":', DOCKER_MANIFEST, /not JSON/],
    ['no config', '{"schemaVersion":2}', DOCKER_MANIFEST, /unexpected JSON at config/],
    [
      'bad digest',
      JSON.stringify({ config: { digest: 'nope' } }),
      DOCKER_MANIFEST,
      /at config\.digest: not a digest/,
    ],
    ['index without manifests array', '{"manifests":{}}', OCI_INDEX, /at manifests/],
    [
      'schema 1',
      '{}',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      /unsupported manifest type/,
    ],
  ];
  for (const [name, body, type, message] of bad) {
    test(`invalid: ${name}`, () => {
      assert.throws(
        () => parseManifest(Buffer.from(body), type, context),
        (error: unknown) => isRegistryError(error, 'INVALID_RESPONSE') && message.test(error.message),
      );
    });
  }
});
