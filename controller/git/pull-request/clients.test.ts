// Request shape of the three forge clients (undici MockAgent; Gitea also runs for real in
// test/e2e/pull-request.test.ts): paths, auth headers, bodies, and how answers become PullRequests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { createForgeClient, ensurePullRequest, ForgeError } from './index.ts';

function mock(origin: string) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return { agent, pool: agent.get(origin) };
}
const json = { headers: { 'content-type': 'application/json' } };

describe('gitea client', () => {
  it('finds the open PR of the head branch, then opens none; labels by id', async () => {
    const { agent, pool } = mock('http://forge.test');
    const seen: Record<string, unknown>[] = [];
    pool
      .intercept({
        path: '/api/v1/repos/team/app/pulls',
        query: { state: 'open', limit: '50', page: '1' },
        method: 'GET',
        headers: { authorization: 'token t0k' },
      })
      .reply(200, [], json);
    pool.intercept({ path: '/api/v1/repos/team/app/labels', query: { limit: '50' }, method: 'GET' }).reply(
      200,
      [
        { id: 7, name: 'automation' },
        { id: 8, name: 'other' },
      ],
      json,
    );
    pool
      .intercept({
        path: '/api/v1/repos/team/app/pulls',
        method: 'POST',
        body: (b) => {
          if (seen.length === 0) seen.push(JSON.parse(b));
          return true;
        },
      })
      .reply(
        201,
        {
          number: 3,
          html_url: 'http://forge.test/team/app/pulls/3',
          title: 'T',
          body: 'B',
          head: { ref: 'tp' },
          base: { ref: 'main' },
        },
        json,
      );
    const forge = createForgeClient('gitea', {
      dispatcher: agent,
      repoUrl: 'http://forge.test/team/app.git',
      token: 't0k',
    });
    const done = await ensurePullRequest(forge, {
      head: 'tp',
      base: 'main',
      content: { title: 'T', body: 'B', labels: ['automation'] },
      pushed: true,
    });
    assert.equal(done.action, 'opened');
    assert.equal(done.pullRequest.url, 'http://forge.test/team/app/pulls/3');
    assert.deepEqual(seen, [{ head: 'tp', base: 'main', title: 'T', body: 'B', labels: [7] }]);
    agent.assertNoPendingInterceptors();
  });

  it('updates the title of the open PR instead of opening a second one', async () => {
    const { agent, pool } = mock('http://forge.test');
    const open = {
      number: 3,
      html_url: 'u',
      title: 'old',
      body: 'B',
      head: { ref: 'tp' },
      base: { ref: 'main' },
    };
    const other = { ...open, number: 2, head: { ref: 'someone' } };
    pool.intercept({ path: /\/pulls\?.*state=open/, method: 'GET' }).reply(200, [other, open], json);
    let patched: unknown;
    pool
      .intercept({
        path: '/api/v1/repos/team/app/pulls/3',
        method: 'PATCH',
        body: (b) => {
          patched = JSON.parse(b);
          return true;
        },
      })
      .reply(200, { ...open, title: 'new' }, json);
    const forge = createForgeClient('gitea', {
      dispatcher: agent,
      repoUrl: 'http://forge.test/team/app',
      token: 't',
    });
    const done = await ensurePullRequest(forge, {
      head: 'tp',
      base: 'main',
      content: { title: 'new', body: 'B' },
      pushed: false,
    });
    assert.equal(done.action, 'updated');
    assert.deepEqual(patched, { title: 'new', body: 'B' });
    agent.assertNoPendingInterceptors();
  });

  it('an open PR that already says this and a branch that did not move: unchanged, no write', async () => {
    const { agent, pool } = mock('http://forge.test');
    const open = {
      number: 3,
      html_url: 'u',
      title: 'T',
      body: 'B\n',
      head: { ref: 'tp' },
      base: { ref: 'main' },
    };
    pool.intercept({ path: /\/pulls\?.*state=open/, method: 'GET' }).reply(200, [open], json);
    const forge = createForgeClient('gitea', {
      dispatcher: agent,
      repoUrl: 'http://forge.test/team/app',
      token: 't',
    });
    const done = await ensurePullRequest(forge, {
      head: 'tp',
      base: 'main',
      content: { title: 'T', body: 'B' },
      pushed: false,
    });
    assert.equal(done.action, 'unchanged');
    agent.assertNoPendingInterceptors();
  });

  it('a 401 is a ForgeError that a retry does not fix, without the token', async () => {
    const { agent, pool } = mock('http://forge.test');
    pool
      .intercept({ path: /\/pulls\?.*state=open/, method: 'GET' })
      .reply(401, '{"message":"token is required"}');
    const forge = createForgeClient('gitea', {
      dispatcher: agent,
      repoUrl: 'http://forge.test/team/app',
      token: 'sekrit',
    });
    const error = await forge.findOpen('tp', 'main').catch((e: unknown) => e);
    assert.ok(error instanceof ForgeError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /HTTP 401/);
    assert.doesNotMatch(error.message, /sekrit/);
  });
});

describe('github client', () => {
  it('asks api.github.com with owner:branch, opens with Bearer auth, then labels through issues', async () => {
    const { agent, pool } = mock('https://api.github.com');
    const headers = {
      authorization: 'Bearer ghp',
      'x-github-api-version': '2022-11-28',
      accept: 'application/vnd.github+json',
    };
    pool
      .intercept({
        path: '/repos/team/app/pulls',
        query: { state: 'open', head: 'team:tp', base: 'main', per_page: '10' },
        method: 'GET',
        headers,
      })
      .reply(200, [], json);
    const bodies: unknown[] = [];
    const capture = (b: string) => {
      if (!bodies.some((x) => JSON.stringify(x) === b)) bodies.push(JSON.parse(b));
      return true;
    };
    pool
      .intercept({ path: '/repos/team/app/pulls', method: 'POST', headers, body: capture })
      .reply(201, { number: 9, html_url: 'https://github.com/team/app/pull/9', title: 'T', body: 'B' }, json);
    pool
      .intercept({ path: '/repos/team/app/issues/9/labels', method: 'POST', headers, body: capture })
      .reply(200, [], json);
    const forge = createForgeClient('github', {
      dispatcher: agent,
      repoUrl: 'https://github.com/team/app.git',
      token: 'ghp',
    });
    const done = await ensurePullRequest(forge, {
      head: 'tp',
      base: 'main',
      content: { title: 'T', body: 'B', labels: ['automation'] },
      pushed: true,
    });
    assert.equal(done.pullRequest.url, 'https://github.com/team/app/pull/9');
    assert.deepEqual(bodies, [
      { title: 'T', head: 'tp', base: 'main', body: 'B' },
      { labels: ['automation'] },
    ]);
    agent.assertNoPendingInterceptors();
  });

  it('GitHub Enterprise: <origin>/api/v3, PATCH to update', async () => {
    const { agent, pool } = mock('https://ghe.example');
    pool
      .intercept({ path: /^\/api\/v3\/repos\/team\/app\/pulls\?.*state=open/, method: 'GET' })
      .reply(200, [{ number: 4, html_url: 'u', title: 'old', body: null }], json);
    pool
      .intercept({ path: '/api/v3/repos/team/app/pulls/4', method: 'PATCH' })
      .reply(200, { number: 4, html_url: 'u', title: 'T', body: 'B' }, json);
    const forge = createForgeClient('github', {
      dispatcher: agent,
      repoUrl: 'https://ghe.example/team/app',
      token: 'x',
    });
    assert.equal(
      (
        await ensurePullRequest(forge, {
          head: 'tp',
          base: 'main',
          content: { title: 'T', body: 'B' },
          pushed: false,
        })
      ).action,
      'updated',
    );
    agent.assertNoPendingInterceptors();
  });
});

describe('gitlab client', () => {
  it('addresses the project by its encoded path (nested groups), PRIVATE-TOKEN, labels as a list', async () => {
    const { agent, pool } = mock('https://gitlab.example');
    const headers = { 'private-token': 'glpat' };
    const base = '/api/v4/projects/group%2Fsub%2Fapp/merge_requests';
    pool
      .intercept({
        path: base,
        query: { state: 'opened', source_branch: 'tp', target_branch: 'main' },
        method: 'GET',
        headers,
      })
      .reply(200, [], json);
    let created: unknown;
    pool
      .intercept({
        path: base,
        method: 'POST',
        headers,
        body: (b) => {
          created = JSON.parse(b);
          return true;
        },
      })
      .reply(
        201,
        {
          iid: 5,
          web_url: 'https://gitlab.example/group/sub/app/-/merge_requests/5',
          title: 'T',
          description: 'B',
        },
        json,
      );
    const forge = createForgeClient('gitlab', {
      dispatcher: agent,
      repoUrl: 'https://gitlab.example/group/sub/app.git',
      token: 'glpat',
    });
    const done = await ensurePullRequest(forge, {
      head: 'tp',
      base: 'main',
      content: { title: 'T', body: 'B', labels: ['a', 'b'] },
      pushed: true,
    });
    assert.equal(done.pullRequest.number, 5);
    assert.deepEqual(created, {
      source_branch: 'tp',
      target_branch: 'main',
      title: 'T',
      description: 'B',
      labels: 'a,b',
    });
    agent.assertNoPendingInterceptors();
  });

  it('updates with PUT on the iid', async () => {
    const { agent, pool } = mock('https://gitlab.example');
    pool
      .intercept({ path: /merge_requests\?.*state=opened/, method: 'GET' })
      .reply(200, [{ iid: 5, web_url: 'u', title: 'old', description: 'B' }], json);
    pool
      .intercept({ path: '/api/v4/projects/team%2Fapp/merge_requests/5', method: 'PUT' })
      .reply(200, { iid: 5, web_url: 'u', title: 'T', description: 'B' }, json);
    const forge = createForgeClient('gitlab', {
      dispatcher: agent,
      repoUrl: 'https://gitlab.example/team/app',
      token: 'x',
    });
    assert.equal(
      (
        await ensurePullRequest(forge, {
          head: 'tp',
          base: 'main',
          content: { title: 'T', body: 'B' },
          pushed: false,
        })
      ).action,
      'updated',
    );
    agent.assertNoPendingInterceptors();
  });
});
