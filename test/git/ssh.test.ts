// Git over SSH against a real OpenSSH server (test/support/ssh-server.ts) serving the same bare
// repositories as the HTTP test server: clone, fetch and push with ed25519, ECDSA and RSA keys
// (one encrypted), over ssh:// and scp-like URLs, and the refusals a user meets: no known_hosts,
// an unknown or changed host key, a key the server does not accept, a missing repository.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  GitError,
  type GitErrorCode,
  type GitSshAuth,
  openRepository,
  type Repository,
} from '../../controller/git/index.ts';
import { freePort } from '../support/processes.ts';
import { type SshServer, sshdAvailable, startSshServer } from '../support/ssh-server.ts';
import { FLUX_DEMO, type Harness, REGISTRY, startHarness } from './harness.ts';

const AUTHOR = { name: 'tagpilot', email: 'tagpilot@example.test' };

describe('git over ssh', { skip: sshdAvailable() ? false : 'sshd missing: run scripts/setup.sh' }, () => {
  let h: Harness;
  let ssh: SshServer;
  let ed25519: GitSshAuth;
  let n = 0;
  const opened: Repository[] = [];
  before(async () => {
    h = await startHarness();
    await h.server.createRepo('flux-demo', { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    ssh = await startSshServer({ root: h.server.root });
    const key = await ssh.makeKey('ed25519');
    ssh.authorize(key.publicKey);
    ed25519 = { identity: key.privateKey, knownHosts: ssh.knownHosts() };
  });
  after(async () => {
    await ssh?.stop();
    await h?.close();
  });

  const open = async (auth: GitSshAuth, url = ssh.repoUrl('flux-demo')) => {
    const repo = await openRepository({
      dir: h.cacheDir(`ssh-${++n}`),
      url,
      auth,
      http: h.http,
      ssh: { idleMs: 200 },
    });
    opened.push(repo);
    return repo;
  };

  async function commitFile(repo: Repository, marker: string): Promise<string> {
    const { files } = await repo.readFiles('.');
    const file = files.find((f) => f.path === 'configmap.yaml');
    assert.ok(file, 'configmap.yaml in the demo');
    const commit = await repo.createCommit({
      files: [{ path: file.path, content: `${file.content}# ${marker}\n` }],
      message: `ssh ${marker}`,
      author: AUTHOR,
      date: new Date(),
    });
    const outcome = await repo.push(commit, { branch: 'main', force: false });
    assert.deepEqual(outcome, { status: 'pushed' });
    await repo.adopt(commit);
    return commit.oid;
  }

  async function expectGitError(promise: Promise<unknown>, code: GitErrorCode): Promise<GitError> {
    const error = await promise.then(
      () => assert.fail(`expected ${code}`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GitError, `not a GitError: ${inspect(error)}`);
    assert.equal(error.code, code, error.message);
    assert.doesNotMatch(error.message, /PRIVATE KEY/);
    return error;
  }

  it('clones over ssh://, pushes a commit and fetches what someone else pushed', async () => {
    const repo = await open(ed25519);
    assert.equal(repo.url, ssh.repoUrl('flux-demo'));
    const pushed = await commitFile(repo, 'pushed-over-ssh');
    assert.equal((await h.bare('flux-demo', ['rev-parse', 'main'])).trim(), pushed);
    const clone = await h.cliClone('flux-demo');
    await h.cliPush(clone, 'namespace.yaml', (text) => `${text}# from the CLI\n`, 'cli change');
    const head = await repo.refresh();
    assert.equal(head.message, 'cli change');
    assert.equal(head.oid, (await h.bare('flux-demo', ['rev-parse', 'main'])).trim());
  });

  it('fetches and pushes a named branch of a repository whose HEAD names a missing branch', async () => {
    h.copyRepo('flux-demo', 'dangling');
    await h.bare('dangling', ['branch', '-m', 'main', 'master']);
    await h.bare('dangling', ['symbolic-ref', 'HEAD', 'refs/heads/main']);
    const repo = await openRepository({
      dir: h.cacheDir(`ssh-${++n}`),
      url: ssh.repoUrl('dangling'),
      auth: ed25519,
      http: h.http,
      ssh: { idleMs: 200 },
      branch: 'master',
    });
    opened.push(repo);
    assert.equal(repo.head().oid, (await h.bare('dangling', ['rev-parse', 'master'])).trim());
    const { files } = await repo.readFiles('.');
    const file = files.find((f) => f.path === 'configmap.yaml');
    assert.ok(file);
    const commit = await repo.createCommit({
      files: [{ path: file.path, content: `${file.content}# on master\n` }],
      message: 'ssh on master',
      author: AUTHOR,
      date: new Date(),
    });
    assert.deepEqual(await repo.push(commit, { branch: 'master', force: false }), { status: 'pushed' });
    assert.equal((await h.subjects('dangling', 'master'))[0], 'ssh on master');
  });

  for (const type of ['ecdsa', 'rsa'] as const) {
    it(`authenticates with an ${type} key`, async () => {
      const key = await ssh.makeKey(type);
      ssh.authorize(key.publicKey);
      const repo = await open({ identity: key.privateKey, knownHosts: ssh.knownHosts() });
      await commitFile(repo, `${type}-key`);
      assert.equal((await h.subjects('flux-demo'))[0], `ssh ${type}-key`);
    });
  }

  it('decrypts an encrypted key with its passphrase, and says when the passphrase is wrong', async () => {
    const key = await ssh.makeKey('ed25519', 'correct horse');
    ssh.authorize(key.publicKey);
    const repo = await open({
      identity: key.privateKey,
      passphrase: 'correct horse',
      knownHosts: ssh.knownHosts(),
    });
    assert.match(repo.head().oid, /^[0-9a-f]{40}$/);
    const error = await expectGitError(
      open({ identity: key.privateKey, passphrase: 'wrong', knownHosts: ssh.knownHosts() }),
      'INVALID_IDENTITY',
    );
    assert.match(error.message, /passphrase is wrong/);
    assert.doesNotMatch(error.message, /correct horse|wrong,/);
  });

  it('clones over an scp-like URL (user@host:path, port 22)', async (t) => {
    const url = ssh.scpLikeUrl('flux-demo');
    if (url === undefined) return t.skip('port 22 needs root');
    const repo = await open(ed25519, url);
    assert.equal((await repo.readFiles('.')).files.length, 3);
  });

  it('refuses to connect without known_hosts, and says how to get one', async () => {
    const { identity } = ed25519;
    const error = await expectGitError(open({ identity }), 'KNOWN_HOSTS_MISSING');
    assert.match(error.message, new RegExp(`ssh-keyscan -p ${ssh.port} 127\\.0\\.0\\.1`));
  });

  it('refuses a host that known_hosts does not list', async () => {
    const other = `[127.0.0.1]:${ssh.port + 1} ${ssh.hostPublicKey}\n`;
    await expectGitError(open({ ...ed25519, knownHosts: other }), 'HOST_KEY_UNKNOWN');
  });

  it('refuses a changed host key', async () => {
    const impostor = await ssh.makeKey('ed25519');
    const stale = `[127.0.0.1]:${ssh.port} ${impostor.publicKey.split(' ').slice(0, 2).join(' ')}\n`;
    const error = await expectGitError(open({ ...ed25519, knownHosts: stale }), 'HOST_KEY_CHANGED');
    assert.match(error.message, /changed/);
  });

  it('says which deploy key to add when the server refuses the key', async () => {
    const stranger = await ssh.makeKey('ed25519');
    const error = await expectGitError(
      open({ identity: stranger.privateKey, knownHosts: ssh.knownHosts() }),
      'UNAUTHORIZED',
    );
    assert.match(error.message, /authentication failed: add this deploy key/);
    assert.ok(error.message.includes(stranger.publicKey.split(' ').slice(0, 2).join(' ')), error.message);
  });

  it('asks the write fence before a push and sends nothing when it is closed; fetches are not fenced', async () => {
    const fenced = Object.assign(new Error('not the leader'), { code: 'FENCED' });
    const checked: string[] = [];
    const fence = {
      check(what: string) {
        checked.push(what);
        throw fenced;
      },
      signal: new AbortController().signal,
    };
    const repo = await openRepository({
      dir: h.cacheDir(`ssh-${++n}`),
      url: ssh.repoUrl('flux-demo'),
      auth: ed25519,
      http: h.http,
      ssh: { idleMs: 200, fence },
    });
    const before = (await h.bare('flux-demo', ['rev-parse', 'main'])).trim();
    const { files } = await repo.readFiles('.');
    const file = files[0];
    assert.ok(file);
    const commit = await repo.createCommit({
      files: [{ path: file.path, content: `${file.content}# fenced\n` }],
      message: 'fenced',
      author: AUTHOR,
      date: new Date(),
    });
    await expectGitError(repo.push(commit, { branch: 'main', force: false }), 'FENCED');
    assert.deepEqual(checked, [`push to ${ssh.repoUrl('flux-demo')}`]);
    assert.equal((await h.bare('flux-demo', ['rev-parse', 'main'])).trim(), before);
  });

  it('reports a missing repository as NOT_FOUND', async () => {
    const error = await expectGitError(open(ed25519, ssh.repoUrl('no-such-repo')), 'NOT_FOUND');
    assert.match(
      error.message,
      /repository not found \(the server said: .*does not appear to be a git repository/,
    );
  });

  it('reports a closed port as UNREACHABLE (retryable)', async () => {
    const port = await freePort();
    const url = `ssh://${ssh.user}@127.0.0.1:${port}/repo.git`;
    const knownHosts = `[127.0.0.1]:${port} ${ssh.hostPublicKey}\n`;
    const error = await expectGitError(open({ ...ed25519, knownHosts }, url), 'UNREACHABLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
  });
});
