import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { type GitEvent, normalizeRepoUrl, parseGitEvent } from './git-events.ts';

describe('normalizeRepoUrl', () => {
  const cases: [string, string | undefined][] = [
    ['https://github.com/Acme/Config.git', 'github.com/acme/config'],
    ['https://github.com/acme/config', 'github.com/acme/config'],
    ['https://github.com/acme/config/', 'github.com/acme/config'],
    ['https://user:token@github.com/acme/config.git', 'github.com/acme/config'],
    ['https://github.com:443/acme/config.git', 'github.com/acme/config'],
    ['http://127.0.0.1:8080/flux-demo.git', '127.0.0.1:8080/flux-demo'],
    ['git@github.com:acme/config.git', 'github.com/acme/config'],
    ['github.com:acme/config', 'github.com/acme/config'],
    ['ssh://git@github.com/acme/config.git', 'github.com/acme/config'],
    ['ssh://git@github.com:22/acme/config.git', 'github.com/acme/config'],
    ['ssh://git@gitlab.example.com:2222/group/sub/app.git', 'gitlab.example.com:2222/group/sub/app'],
    ['git://github.com/acme/config.git', 'github.com/acme/config'],
    ['https://gitea.example.com//org//repo.GIT', 'gitea.example.com/org/repo'],
    ['https://example.com/a%20b.git', 'example.com/a b'],
    ['https://example.com/', undefined],
    ['not a url', undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected}`, () => assert.equal(normalizeRepoUrl(input), expected));
  }
});

const githubPush = {
  ref: 'refs/heads/main',
  before: '0'.repeat(40),
  after: '1'.repeat(40),
  repository: {
    full_name: 'acme/config',
    clone_url: 'https://github.com/acme/config.git',
    html_url: 'https://github.com/acme/config',
    ssh_url: 'git@github.com:acme/config.git',
    git_url: 'git://github.com/acme/config.git',
  },
};

describe('parseGitEvent', () => {
  const cases: { name: string; headers: IncomingHttpHeaders; body: unknown; expected: GitEvent }[] = [
    {
      name: 'GitHub push',
      headers: { 'x-github-event': 'push' },
      body: githubPush,
      expected: { kind: 'push', source: 'github', repositories: ['github.com/acme/config'], branch: 'main' },
    },
    {
      name: 'GitHub push to a branch with slashes',
      headers: { 'x-github-event': 'push' },
      body: { ...githubPush, ref: 'refs/heads/release/v1' },
      expected: {
        kind: 'push',
        source: 'github',
        repositories: ['github.com/acme/config'],
        branch: 'release/v1',
      },
    },
    {
      name: 'GitHub tag push',
      headers: { 'x-github-event': 'push' },
      body: { ...githubPush, ref: 'refs/tags/v1.0.0' },
      expected: { kind: 'ignored', source: 'github', reason: 'refs/tags/v1.0.0 is not a branch' },
    },
    {
      name: 'GitHub ping',
      headers: { 'x-github-event': 'ping' },
      body: { zen: 'Design for failure.' },
      expected: { kind: 'ignored', source: 'github', reason: 'x-github-event "ping"' },
    },
    {
      name: 'Gitea push (it also sends X-GitHub-Event)',
      headers: { 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gogs-event': 'push' },
      body: {
        ref: 'refs/heads/main',
        repository: {
          clone_url: 'https://gitea.example.com/ops/cluster.git',
          ssh_url: 'git@gitea.example.com:ops/cluster.git',
        },
      },
      expected: {
        kind: 'push',
        source: 'gitea',
        repositories: ['gitea.example.com/ops/cluster'],
        branch: 'main',
      },
    },
    {
      name: 'GitLab Push Hook',
      headers: { 'x-gitlab-event': 'Push Hook' },
      body: {
        object_kind: 'push',
        ref: 'refs/heads/main',
        project: {
          git_http_url: 'https://gitlab.com/group/sub/cluster.git',
          git_ssh_url: 'git@gitlab.com:group/sub/cluster.git',
          web_url: 'https://gitlab.com/group/sub/cluster',
        },
      },
      expected: {
        kind: 'push',
        source: 'gitlab',
        repositories: ['gitlab.com/group/sub/cluster'],
        branch: 'main',
      },
    },
    {
      name: 'GitLab Tag Push Hook',
      headers: { 'x-gitlab-event': 'Tag Push Hook' },
      body: { object_kind: 'tag_push', ref: 'refs/tags/v1', project: {} },
      expected: { kind: 'ignored', source: 'gitlab', reason: 'object_kind "tag_push"' },
    },
    {
      name: 'a GitHub-shaped push without forge headers',
      headers: {},
      body: githubPush,
      expected: { kind: 'push', source: 'unknown', repositories: ['github.com/acme/config'], branch: 'main' },
    },
    {
      name: 'a push without ref',
      headers: { 'x-github-event': 'push' },
      body: { repository: githubPush.repository },
      expected: {
        kind: 'invalid',
        source: 'github',
        message: 'not a github push event: ref: Invalid input: expected string, received undefined',
      },
    },
    {
      name: 'a push whose repository has no URL',
      headers: { 'x-github-event': 'push' },
      body: { ref: 'refs/heads/main', repository: { full_name: 'acme/config' } },
      expected: { kind: 'invalid', source: 'github', message: 'the payload names no repository URL' },
    },
  ];
  for (const { name, headers, body, expected } of cases) {
    it(name, () => assert.deepEqual(parseGitEvent(headers, body), expected));
  }
});
