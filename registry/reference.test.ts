import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRegistryError } from './errors.ts';
import {
  formatReference,
  type ImageReference,
  parseReference,
  registryApiHost,
  registryOrigin,
  registryScheme,
  withTag,
} from './reference.ts';

const D = `sha256:${'a'.repeat(64)}`;

const valid: [string, string, Partial<ImageReference>][] = [
  ['bare name', 'nginx', { registry: 'docker.io', repository: 'library/nginx' }],
  ['bare name with tag', 'nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
  ['Docker Hub user repo', 'fluxcd/flux', { registry: 'docker.io', repository: 'fluxcd/flux' }],
  ['explicit docker.io', 'docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
  [
    'index.docker.io alias',
    'index.docker.io/library/nginx',
    { registry: 'docker.io', repository: 'library/nginx' },
  ],
  ['ghcr', 'ghcr.io/org/app', { registry: 'ghcr.io', repository: 'org/app' }],
  ['deep path', 'ghcr.io/org/team/app:v1', { registry: 'ghcr.io', repository: 'org/team/app', tag: 'v1' }],
  ['localhost with port', 'localhost:5000/team/app', { registry: 'localhost:5000', repository: 'team/app' }],
  ['localhost without port', 'localhost/app', { registry: 'localhost', repository: 'app' }],
  [
    'ip, port, tag and digest',
    `127.0.0.1:5000/app:tag@${D}`,
    { registry: '127.0.0.1:5000', repository: 'app', tag: 'tag', digest: D },
  ],
  [
    'digest only',
    `ghcr.io/org/app@${D}`,
    { registry: 'ghcr.io', repository: 'org/app', tag: undefined, digest: D },
  ],
  ['ipv6 host', '[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
  ['upper-case first component is a host', 'Registry/app', { registry: 'Registry', repository: 'app' }],
  ['separators', 'a.b/x__y/z-w.v_u', { registry: 'a.b', repository: 'x__y/z-w.v_u' }],
  [
    'tag with dots and dashes',
    'app:develop-v1.9.0_rc',
    { repository: 'library/app', tag: 'develop-v1.9.0_rc' },
  ],
  ['no tag means undefined', 'ghcr.io/org/app', { tag: undefined, digest: undefined }],
];

const invalid: [string, string, RegExp][] = [
  ['empty', '', /it is empty/],
  ['upper-case repository', 'ghcr.io/Org/app', /must be lowercase/],
  ['upper-case on Docker Hub', 'fluxcd/Flux', /must be lowercase/],
  ['scheme', 'https://ghcr.io/org/app', /no URL scheme/],
  ['bad tag', 'app:-bad', /not a valid tag/],
  ['tag too long', `app:${'x'.repeat(129)}`, /not a valid tag/],
  ['bad digest', 'app@sha256:xyz', /not a digest/],
  ['trailing slash', 'ghcr.io/org/', /not a valid path component/],
  ['double slash', 'ghcr.io/org//app', /not a valid path component/],
  ['leading separator', 'ghcr.io/-app', /not a valid path component/],
  ['host only', 'ghcr.io/', /repository name is empty|not a valid path component/],
  ['bad port', 'host:abc/app', /not a valid registry host/],
  ['white space', ' nginx', /white space/],
  ['image id', 'a'.repeat(64), /image ID/],
  ['too long', `ghcr.io/${'a/'.repeat(130)}b`, /longer than 255/],
];

describe('parseReference', () => {
  for (const [name, input, expected] of valid) {
    test(`valid: ${name} (${input})`, () => {
      const ref = parseReference(input);
      for (const [key, value] of Object.entries(expected)) {
        assert.equal(ref[key as keyof ImageReference], value, key);
      }
    });
  }

  for (const [name, input, message] of invalid) {
    test(`invalid: ${name}`, () => {
      assert.throws(
        () => parseReference(input),
        (error: unknown) => {
          assert.ok(isRegistryError(error, 'INVALID_REFERENCE'));
          assert.equal(error.retryable, false);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  test('formatReference round-trips the normalised form', () => {
    assert.equal(formatReference(parseReference('nginx:1')), 'docker.io/library/nginx:1');
    assert.equal(formatReference(parseReference(`127.0.0.1:5000/app:t@${D}`)), `127.0.0.1:5000/app:t@${D}`);
  });

  test('withTag replaces tag and digest, and validates the tag', () => {
    const ref = withTag(parseReference(`ghcr.io/org/app:old@${D}`), 'new');
    assert.deepEqual(ref, { registry: 'ghcr.io', repository: 'org/app', tag: 'new', digest: undefined });
    assert.throws(() => withTag(ref, '../etc'), /not a valid tag/);
  });
});

describe('registry hosts and schemes', () => {
  test('docker.io is served from registry-1.docker.io', () => {
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('ghcr.io'), 'ghcr.io');
    assert.equal(registryOrigin('docker.io'), 'https://registry-1.docker.io');
  });

  const schemes: [string, readonly string[], 'http' | 'https'][] = [
    ['localhost', [], 'http'],
    ['localhost:5000', [], 'http'],
    ['127.0.0.1:5000', [], 'http'],
    ['127.1.2.3', [], 'http'],
    ['[::1]:5000', [], 'http'],
    ['ghcr.io', [], 'https'],
    ['registry.internal:5000', ['registry.internal:5000'], 'http'],
    ['registry.internal:5000', ['registry.internal'], 'https'],
    ['127.0.0.1.nip.io', [], 'https'],
  ];
  for (const [host, insecure, scheme] of schemes) {
    test(`${host} (insecure: ${insecure.join(',') || 'none'}) -> ${scheme}`, () => {
      assert.equal(registryScheme(host, insecure), scheme);
    });
  }

  const tlsSchemes: [string, readonly string[], readonly string[], 'http' | 'https'][] = [
    ['127.0.0.1:5000', [], ['127.0.0.1:5000'], 'https'],
    ['127.0.0.1:5000', [], ['127.0.0.1:5001'], 'http'],
    ['registry.lan:5000', ['registry.lan:5000'], ['REGISTRY.lan:5000'], 'https'],
  ];
  for (const [host, insecure, tls, scheme] of tlsSchemes) {
    test(`${host} with --tls-registries ${tls.join(',')} is ${scheme}`, () => {
      assert.equal(registryScheme(host, insecure, tls), scheme);
    });
  }

  test('a caller with TLS settings always gets https, loopback and --insecure-registries included', () => {
    assert.equal(registryOrigin('127.0.0.1:5000', [], { tls: true }), 'https://127.0.0.1:5000');
    assert.equal(registryOrigin('r.lan', ['r.lan'], { tls: true }), 'https://r.lan');
    assert.equal(registryOrigin('r.lan', ['r.lan']), 'http://r.lan');
  });
});
