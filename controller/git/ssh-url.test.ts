import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSshUrl, parseSshUrl, shellQuote, standInUrl } from './ssh-url.ts';

describe('parseSshUrl', () => {
  const cases: { name: string; input: string; expected: ReturnType<typeof parseSshUrl> }[] = [
    {
      name: 'scp-like, GitHub style',
      input: 'git@github.com:fluxcd/flux-get-started.git',
      expected: {
        user: 'git',
        host: 'github.com',
        port: 22,
        path: 'fluxcd/flux-get-started.git',
        display: 'ssh://git@github.com/fluxcd/flux-get-started.git',
      },
    },
    {
      name: 'scp-like with an absolute path and no user',
      input: '127.0.0.1:/srv/git/demo.git',
      expected: {
        user: 'git',
        host: '127.0.0.1',
        port: 22,
        path: '/srv/git/demo.git',
        display: 'ssh://git@127.0.0.1/srv/git/demo.git',
      },
    },
    {
      name: 'ssh:// with a port',
      input: 'ssh://deploy@git.example.com:2222/team/repo.git',
      expected: {
        user: 'deploy',
        host: 'git.example.com',
        port: 2222,
        path: '/team/repo.git',
        display: 'ssh://deploy@git.example.com:2222/team/repo.git',
      },
    },
    {
      name: 'ssh:// relative to a home directory',
      input: 'ssh://git@host/~alice/repo.git',
      expected: {
        user: 'git',
        host: 'host',
        port: 22,
        path: '~alice/repo.git',
        display: 'ssh://git@host/~alice/repo.git',
      },
    },
    {
      name: 'ssh:// with an IPv6 host',
      input: 'ssh://git@[::1]:2200/r.git',
      expected: {
        user: 'git',
        host: '::1',
        port: 2200,
        path: '/r.git',
        display: 'ssh://git@[::1]:2200/r.git',
      },
    },
    { name: 'https is not ssh', input: 'https://github.com/a/b.git', expected: undefined },
    { name: 'a Windows path is not a host', input: 'C:\\repos\\demo', expected: undefined },
    { name: 'no path', input: 'ssh://git@host', expected: undefined },
    { name: 'a password is refused', input: 'ssh://git:pw@host/r.git', expected: undefined },
  ];
  for (const { name, input, expected } of cases) {
    it(name, () => {
      assert.deepEqual(parseSshUrl(input), expected);
      assert.equal(isSshUrl(input), expected !== undefined || input.startsWith('ssh://'));
    });
  }

  it('gives each repository its own stand-in URL, which never resolves', () => {
    const a = parseSshUrl('git@host:a.git');
    const b = parseSshUrl('git@host:b.git');
    assert.ok(a && b);
    assert.notEqual(standInUrl(a), standInUrl(b));
    assert.match(standInUrl(a), /^https:\/\/ssh\.tagpilot\.invalid\/[A-Za-z0-9_-]+\.git$/);
  });

  it('quotes paths for the remote shell as git does', () => {
    assert.equal(shellQuote("/srv/it's.git"), "'/srv/it'\\''s.git'");
  });
});
