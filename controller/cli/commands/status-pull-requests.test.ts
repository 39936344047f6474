// `tagpilot status` with per-image review branches: one line per entry of status.pullRequests,
// after the table, with the URL a person opens (or what failed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitSync } from '../../api/types.ts';
import { branchPullRequestLine, statusLines, statusReport } from './status.ts';

const gitsync: GitSync = {
  apiVersion: 'tagpilot.io/v1alpha1',
  kind: 'GitSync',
  metadata: { name: 'config', namespace: 'apps', generation: 1 },
  spec: { url: 'http://forge.test/team/config.git', automation: { push: { branch: 'tagpilot/{{policy}}' } } },
  status: {
    observedGeneration: 1,
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Synced',
        message: 'ok',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
    pullRequests: [
      {
        branch: 'tagpilot/deployment-fluxdemo-flask',
        policy: 'deployment-fluxdemo-flask',
        image: 'r/flaskapp:develop-v1.10.0',
        state: 'Open',
        number: 3,
        url: 'http://forge.test/team/config/pulls/3',
      },
      {
        branch: 'tagpilot/worker',
        policy: 'worker',
        image: 'r/worker:1.1.0',
        state: 'Failed',
        message: 'HTTP 502',
        number: 4,
        url: 'http://forge.test/team/config/pulls/4',
      },
    ],
  },
};

describe('tagpilot status: per-image pull requests', () => {
  it('one line per branch, with the URL or the failure', () => {
    const lines = statusLines(statusReport([gitsync]), false);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('apps/config: ')),
      [
        'apps/config: pull request #3 from tagpilot/deployment-fluxdemo-flask (r/flaskapp:develop-v1.10.0): http://forge.test/team/config/pulls/3',
        'apps/config: pull request from tagpilot/worker (r/worker:1.1.0) failed: HTTP 502 (open: #4 http://forge.test/team/config/pulls/4)',
      ],
    );
  });
  it('a failure with no pull request yet', () => {
    assert.equal(
      branchPullRequestLine({
        branch: 'tagpilot/x',
        policy: 'x',
        image: '',
        state: 'Failed',
        message: 'no token',
      }),
      'pull request from tagpilot/x failed: no token',
    );
  });
});
