import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitSync, GitSyncSpec, ImagePolicy } from '../api/types.ts';
import { normalizeRepoUrl } from './git-events.ts';
import type { PushedImage } from './registry-events.ts';
import { triggerGitPush, triggerImagePushes, type WebhookTargets } from './webhook-triggers.ts';

function gitSync(name: string, spec: Partial<GitSyncSpec> = {}): GitSync {
  return {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'GitSync',
    metadata: { name, namespace: 'ops' },
    spec: { url: 'https://github.com/acme/config.git', ...spec },
  };
}

function imagePolicy(name: string, image: string): ImagePolicy {
  return {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'ImagePolicy',
    metadata: { name, namespace: 'apps' },
    spec: { image, policy: { semver: { range: '^1' } } },
  };
}

/** Targets over fixed objects that record every call. */
function recordingTargets(gitSyncs: GitSync[], policies: ImagePolicy[] = []) {
  const calls: string[] = [];
  const targets: WebhookTargets = {
    ready: () => true,
    gitSyncs: () => gitSyncs,
    imagePolicies: () => policies,
    forgetTag: (image) => calls.push(`forget ${image.registry}/${image.repository}:${image.tag}`),
    scanImagePolicy: (key) => calls.push(`scan ${key}`),
    syncGitSync: (key) => calls.push(`sync ${key}`),
    automateGitSync: (key) => calls.push(`automate ${key}`),
  };
  return { targets, calls };
}

describe('triggerImagePushes', () => {
  const policies = [
    imagePolicy('flask', '127.0.0.1:5000/flaskapp'),
    imagePolicy('nginx', 'nginx'),
    imagePolicy('other-host', 'registry.example.com/flaskapp'),
    imagePolicy('broken', 'Not A Reference'),
  ];
  const gitSyncs = [
    gitSync('a'),
    gitSync('suspended', { suspend: true }),
    gitSync('manual', { automation: { enabled: false } }),
  ];
  const cases: { name: string; images: PushedImage[]; policies: string[]; calls: string[] }[] = [
    {
      name: 'a push to a registry with a port',
      images: [{ registry: '127.0.0.1:5000', repository: 'flaskapp', tag: 'v1.9.0' }],
      policies: ['apps/flask'],
      calls: ['forget 127.0.0.1:5000/flaskapp:v1.9.0', 'scan apps/flask', 'automate ops/a'],
    },
    {
      name: 'Docker Hub names are normalised on both sides',
      images: [{ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
      policies: ['apps/nginx'],
      calls: ['forget docker.io/library/nginx:1.27', 'scan apps/nginx', 'automate ops/a'],
    },
    {
      name: 'an unknown host matches the repository on every host, and nothing is forgotten',
      images: [{ registry: undefined, repository: 'flaskapp', tag: 'v2' }],
      policies: ['apps/flask', 'apps/other-host'],
      calls: ['scan apps/flask', 'scan apps/other-host', 'automate ops/a'],
    },
    {
      name: 'an image no policy follows still runs automation (annotations may follow it)',
      images: [{ registry: 'ghcr.io', repository: 'acme/web', tag: 'v3' }],
      policies: [],
      calls: ['forget ghcr.io/acme/web:v3', 'automate ops/a'],
    },
  ];
  for (const { name, images, policies: expected, calls: expectedCalls } of cases) {
    it(name, () => {
      const { targets, calls } = recordingTargets(gitSyncs, policies);
      const triggered = triggerImagePushes(targets, images);
      assert.deepEqual(triggered, { imagePolicies: expected, gitSyncs: ['ops/a'] });
      assert.deepEqual(calls, expectedCalls);
    });
  }
});

describe('triggerGitPush', () => {
  const gitSyncs = [
    gitSync('main', { url: 'https://GitHub.com/acme/config' }),
    gitSync('staging', { url: 'https://github.com/acme/config.git', branch: 'staging' }),
    gitSync('other-repo', { url: 'https://github.com/acme/other.git' }),
    gitSync('ssh', { url: 'ssh://git@github.com/acme/config.git', automation: { enabled: false } }),
    gitSync('suspended', { suspend: true }),
  ];
  const cases: { name: string; branch: string; triggered: string[]; calls: string[] }[] = [
    {
      name: 'main: every GitSync on that repository and branch, whatever URL form it uses',
      branch: 'main',
      triggered: ['ops/main', 'ops/ssh'],
      calls: ['automate ops/main', 'sync ops/ssh'],
    },
    {
      name: 'another branch',
      branch: 'staging',
      triggered: ['ops/staging'],
      calls: ['automate ops/staging'],
    },
    { name: 'a branch nobody follows', branch: 'feature/x', triggered: [], calls: [] },
  ];
  for (const { name, branch, triggered, calls: expectedCalls } of cases) {
    it(name, () => {
      const { targets, calls } = recordingTargets(gitSyncs);
      const result = triggerGitPush(
        targets,
        { repositories: ['github.com/acme/config'], branch },
        normalizeRepoUrl,
      );
      assert.deepEqual(result, { imagePolicies: [], gitSyncs: triggered });
      assert.deepEqual(calls, expectedCalls);
    });
  }
});
