// The pull-request step's refusals that need no forge: a pull request asked for without a review
// branch is said (PullRequestFailed), never silently ignored; none asked for, nothing done.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import type { GitSync } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { pullRequestStep } from './gitsync-pull-request.ts';

function gitsync(push: NonNullable<GitSync['spec']['automation']>['push']): GitSync {
  return {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'GitSync',
    metadata: { name: 'demo', namespace: 'apps' },
    spec: { url: 'http://forge.test/team/app.git', automation: { ...(push ? { push } : {}) } },
  };
}

/** A client that must not be used: these cases decide before any Secret is read. */
const unusedClient = new Proxy({}, { get: () => assert.fail('no Secret read expected') }) as KubeClient;
const input = (push: Parameters<typeof gitsync>[0]) => ({
  gitsync: gitsync(push),
  repoUrl: 'http://forge.test/team/app.git',
  syncBranch: 'main',
  push: undefined,
  client: unusedClient,
  http: { dispatcher: new MockAgent() },
});
const pullRequest = { provider: 'gitea' as const, secretRef: { name: 'forge' } };

describe('pullRequestStep without a forge', () => {
  const cases = [
    { name: 'no pullRequest: nothing', push: { branch: 'review' }, expected: undefined },
    {
      name: 'pullRequest without a branch: failed, said',
      push: { pullRequest },
      expected: /needs automation\.push\.branch, a branch other than the sync branch main/,
    },
    {
      name: 'pullRequest with the sync branch as branch: failed, said',
      push: { branch: 'main', pullRequest },
      expected: /needs automation\.push\.branch/,
    },
  ];
  for (const { name, push, expected } of cases) {
    it(name, async () => {
      const outcome = await pullRequestStep(input(push));
      if (expected === undefined) return assert.equal(outcome, undefined);
      assert.equal(outcome?.action, 'failed');
      assert.match(outcome.action === 'failed' ? outcome.message : '', expected);
    });
  }
});
