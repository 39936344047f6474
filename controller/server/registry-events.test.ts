import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { parseRegistryEvent, type RegistryEvent } from './registry-events.ts';

const distributionPush = {
  events: [
    {
      id: 'a',
      action: 'push',
      target: { mediaType: 'application/octet-stream', repository: 'flaskapp', digest: 'sha256:aa' },
      request: { host: '127.0.0.1:5000', method: 'PUT' },
    },
    {
      id: 'b',
      action: 'push',
      target: {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        repository: 'flaskapp',
        tag: 'develop-v1.9.0',
        digest: 'sha256:bb',
      },
      request: { host: '127.0.0.1:5000', method: 'PUT' },
    },
    {
      id: 'c',
      action: 'pull',
      target: { repository: 'other', tag: '1.0' },
      request: { host: '127.0.0.1:5000' },
    },
  ],
};

const cases: { name: string; headers?: IncomingHttpHeaders; body: unknown; expected: RegistryEvent }[] = [
  {
    name: 'distribution: the tagged manifest push, not blobs or pulls',
    body: distributionPush,
    expected: {
      kind: 'push',
      source: 'distribution',
      images: [{ registry: '127.0.0.1:5000', repository: 'flaskapp', tag: 'develop-v1.9.0' }],
    },
  },
  {
    name: 'distribution: the same tag twice counts once, and the Host header case is ignored',
    body: {
      events: [
        {
          action: 'push',
          target: { repository: 'team/app', tag: 'v2' },
          request: { host: 'Registry.Example.com' },
        },
        {
          action: 'push',
          target: { repository: 'team/app', tag: 'v2' },
          request: { host: 'registry.example.com' },
        },
      ],
    },
    expected: {
      kind: 'push',
      source: 'distribution',
      images: [{ registry: 'registry.example.com', repository: 'team/app', tag: 'v2' }],
    },
  },
  {
    name: 'distribution: only blob pushes',
    body: { events: [distributionPush.events[0]] },
    expected: { kind: 'ignored', source: 'distribution', reason: 'no tag was pushed' },
  },
  {
    name: 'distribution: events is not a list',
    body: { events: 'push' },
    expected: {
      kind: 'invalid',
      source: 'distribution',
      message: 'not a distribution notification: events: Invalid input: expected array, received string',
    },
  },
  {
    name: 'Docker Hub: an official-style name becomes docker.io/library/…',
    body: {
      push_data: { tag: '1.27', pusher: 'x' },
      repository: { repo_name: 'nginx', namespace: 'library' },
    },
    expected: {
      kind: 'push',
      source: 'dockerhub',
      images: [{ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    },
  },
  {
    name: 'Docker Hub: a user repository',
    body: { push_data: { tag: 'v1.0.0' }, repository: { repo_name: 'acme/api' } },
    expected: {
      kind: 'push',
      source: 'dockerhub',
      images: [{ registry: 'docker.io', repository: 'acme/api', tag: 'v1.0.0' }],
    },
  },
  {
    name: 'GitHub registry_package: name from package_url, tag from container_metadata (case kept)',
    headers: { 'x-github-event': 'registry_package' },
    body: {
      action: 'published',
      registry_package: {
        name: 'cadence/api',
        namespace: 'Acme',
        package_type: 'CONTAINER',
        package_version: {
          package_url: 'ghcr.io/Acme/cadence/api:Sha-33CE',
          container_metadata: { tag: { name: 'Sha-33CE', digest: 'sha256:abc' } },
        },
      },
    },
    expected: {
      kind: 'push',
      source: 'github',
      images: [{ registry: 'ghcr.io', repository: 'acme/cadence/api', tag: 'Sha-33CE' }],
    },
  },
  {
    name: 'GitHub package: without package_url, ghcr.io/<owner>/<name>',
    headers: { 'x-github-event': 'package' },
    body: {
      action: 'published',
      package: {
        name: 'web',
        package_type: 'container',
        owner: { login: 'octo-org' },
        package_version: { container_metadata: { tag: { name: 'v3' } } },
      },
    },
    expected: {
      kind: 'push',
      source: 'github',
      images: [{ registry: 'ghcr.io', repository: 'octo-org/web', tag: 'v3' }],
    },
  },
  {
    name: 'GitHub package: the tag only in package_url',
    headers: { 'x-github-event': 'package' },
    body: {
      action: 'published',
      package: {
        name: 'www',
        package_type: 'CONTAINER',
        package_version: { package_url: 'ghcr.io/someone/www:0e2a89b' },
      },
    },
    expected: {
      kind: 'push',
      source: 'github',
      images: [{ registry: 'ghcr.io', repository: 'someone/www', tag: '0e2a89b' }],
    },
  },
  {
    name: 'GitHub package: an untagged version',
    headers: { 'x-github-event': 'package' },
    body: {
      action: 'published',
      package: {
        name: 'www',
        package_type: 'CONTAINER',
        package_version: { package_url: 'ghcr.io/someone/www', container_metadata: { tag: { name: '' } } },
      },
    },
    expected: { kind: 'ignored', source: 'github', reason: 'an untagged package version' },
  },
  {
    name: 'GitHub package: an npm package',
    headers: { 'x-github-event': 'package' },
    body: { action: 'published', package: { name: 'lib', package_type: 'npm' } },
    expected: { kind: 'ignored', source: 'github', reason: 'package type npm' },
  },
  {
    name: 'GitHub: ping when the hook is created',
    headers: { 'x-github-event': 'ping' },
    body: { zen: 'Keep it logically awesome.' },
    expected: { kind: 'ignored', source: 'github', reason: 'GitHub event "ping"' },
  },
  {
    name: 'GitHub package: no package object',
    headers: { 'x-github-event': 'package' },
    body: { action: 'published' },
    expected: {
      kind: 'invalid',
      source: 'github',
      message: 'not a github notification: package: Invalid input: expected object, received undefined',
    },
  },
  {
    name: 'Harbor: PUSH_ARTIFACT with the host from resource_url',
    body: {
      type: 'PUSH_ARTIFACT',
      occur_at: 1700000000,
      event_data: {
        resources: [
          { digest: 'sha256:cc', tag: 'v1.2.3', resource_url: 'harbor.example.com/library/app:v1.2.3' },
        ],
        repository: {
          name: 'app',
          namespace: 'library',
          repo_full_name: 'library/app',
          repo_type: 'private',
        },
      },
    },
    expected: {
      kind: 'push',
      source: 'harbor',
      images: [{ registry: 'harbor.example.com', repository: 'library/app', tag: 'v1.2.3' }],
    },
  },
  {
    name: 'Harbor: without resource_url the host is unknown',
    body: {
      type: 'PUSH_ARTIFACT',
      event_data: { resources: [{ tag: 'v2' }], repository: { repo_full_name: 'proj/app' } },
    },
    expected: {
      kind: 'push',
      source: 'harbor',
      images: [{ registry: undefined, repository: 'proj/app', tag: 'v2' }],
    },
  },
  {
    name: 'Harbor: a pull',
    body: {
      type: 'PULL_ARTIFACT',
      event_data: { resources: [], repository: { repo_full_name: 'proj/app' } },
    },
    expected: { kind: 'ignored', source: 'harbor', reason: 'event type PULL_ARTIFACT' },
  },
  {
    name: 'a JSON body nobody sends',
    body: { hello: 'world' },
    expected: {
      kind: 'invalid',
      source: 'unknown',
      message: 'not a registry notification (distribution, Docker Hub, GitHub package or Harbor)',
    },
  },
  {
    name: 'a JSON array',
    body: [1, 2],
    expected: {
      kind: 'invalid',
      source: 'unknown',
      message: 'not a registry notification (distribution, Docker Hub, GitHub package or Harbor)',
    },
  },
];

describe('parseRegistryEvent', () => {
  for (const { name, headers, body, expected } of cases) {
    it(name, () => {
      assert.deepEqual(parseRegistryEvent(headers ?? {}, body), expected);
    });
  }
});
