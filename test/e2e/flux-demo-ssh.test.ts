// The flux demo over SSH, as Flux v1's walkthrough has users set it up: the GitSync points at
// `user@host:path` (scp-like, where port 22 is available, else ssh://), its Secret holds only
// known_hosts, `tagpilot identity` prints the deploy key the controller made, and until that key is
// added the GitSync says so. Once it is in the SSH server's authorized_keys, the repository is
// applied, and a new develop-v1.9.0 tag is committed over SSH and reaches the cluster. Then the
// same over ssh:// with an encrypted key, its passphrase and known_hosts in the Secret.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli, json } from '../cli/run-cli.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, gitSyncCondition, installScenario } from '../support/scenario.ts';
import { type SshServer, sshdAvailable, startSshServer } from '../support/ssh-server.ts';

describe('flux demo over SSH with a deploy key from `tagpilot identity`', {
  skip: sshdAvailable() ? false : 'sshd missing: run scripts/setup.sh',
}, () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let ssh: SshServer;
  let controller: ControllerProcess | undefined;
  let publicKey = '';
  const work = makeTempDir('flux-demo-ssh-cli');
  const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
  const logTail = () => controller?.process.logTail(40) ?? '';
  const tagpilot = () => cli({ cacheHome: work, kubeconfig: kube.kubeconfigPath });

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    ssh = await startSshServer({ root: git.root });
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const url = ssh.scpLikeUrl('flux-demo') ?? ssh.repoUrl('flux-demo');
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', url, secret: { known_hosts: ssh.knownHosts() } },
    );
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop(), ssh?.stop()]);
    removeTempDir(work);
  });

  it('prints the deploy key, and the GitSync asks for it until the server accepts it', async () => {
    const result = await tagpilot()(['identity', 'tagpilot-system/flux-demo', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const identity = json<{ publicKey: string; fingerprint: string; secret: string }>(result);
    assert.match(identity.publicKey, /^ssh-ed25519 AAAA[A-Za-z0-9+/=]+ tagpilot-tagpilot-system-flux-demo$/);
    assert.equal(identity.secret, 'tagpilot-system/flux-demo-tagpilot-identity');
    publicKey = identity.publicKey;
    const plain = await tagpilot()(['identity', 'flux-demo']);
    assert.equal(plain.stdout.trim(), publicKey, 'the same key on a second call');
    await waitFor(
      'Ready=False AuthenticationFailed naming the deploy key',
      async () => {
        const ready = await gitSyncCondition(kube, 'flux-demo', 'Ready');
        return ready?.reason === 'AuthenticationFailed' && ready.message.includes(publicKey);
      },
      {
        timeoutMs: 60_000,
        onTimeout: async () =>
          `${JSON.stringify(await gitSyncCondition(kube, 'flux-demo', 'Ready'))}\n${logTail()}`,
      },
    );
    const ready = await gitSyncCondition(kube, 'flux-demo', 'Ready');
    assert.match(ready?.message ?? '', /authentication failed: add this deploy key/);
    assert.doesNotMatch(ready?.message ?? '', /PRIVATE KEY/);
    assert.doesNotMatch(logTail(), /PRIVATE KEY/);
  });

  it('once the key is authorized, applies the repository and commits develop-v1.9.0 over SSH', async () => {
    ssh.authorize(publicKey);
    const before = `${registry.host}/flaskapp:develop-v1.8.0`;
    await waitFor('fluxdemo to be applied', async () => (await flaskImage()) === before, {
      timeoutMs: 60_000,
      onTimeout: logTail,
    });
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const subject = `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`;
    const head = async () => (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim();
    await waitFor('the automated commit, pushed over SSH', async () => (await head()) === subject, {
      timeoutMs: 60_000,
      onTimeout: logTail,
    });
    const diff = await git.gitIn('flux-demo', ['show', '--format=', '--unified=0', 'main']);
    const changed = diff.split('\n').filter((line) => /^[-+](?![-+])/.test(line));
    assert.deepEqual(changed, [
      `-        image: ${registry.host}/flaskapp:develop-v1.8.0`,
      `+        image: ${registry.host}/flaskapp:develop-v1.9.0`,
    ]);
    const after = `${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor('the Deployment to run develop-v1.9.0', async () => (await flaskImage()) === after, {
      timeoutMs: 30_000,
      onTimeout: logTail,
    });
    assert.match(ssh.logTail(), /Accepted publickey/);
  });

  it('--regenerate rotates the key: the controller uses the new one at once', async () => {
    const result = await tagpilot()(['identity', 'flux-demo', '--regenerate', '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const rotated = json<{ publicKey: string; created: boolean }>(result);
    assert.equal(rotated.created, true);
    assert.notEqual(rotated.publicKey, publicKey);
    await waitFor(
      'the GitSync to ask for the new key',
      async () =>
        (await gitSyncCondition(kube, 'flux-demo', 'Ready'))?.message.includes(rotated.publicKey) ?? false,
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    ssh.authorize(rotated.publicKey);
    await waitFor(
      'the GitSync to be Ready again with the new key',
      async () => (await gitSyncCondition(kube, 'flux-demo', 'Ready'))?.status === 'True',
      { timeoutMs: 60_000, onTimeout: logTail },
    );
  });
});

describe('flux demo over ssh:// with a key from the Secret (Flux key names)', {
  skip: sshdAvailable() ? false : 'sshd missing: run scripts/setup.sh',
}, () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let ssh: SshServer;
  let controller: ControllerProcess | undefined;
  const logTail = () => controller?.process.logTail(40) ?? '';

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    ssh = await startSshServer({ root: git.root });
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    // An encrypted key, its passphrase under Flux's name for it (`password`).
    const key = await ssh.makeKey('ecdsa', 'deploy-passphrase');
    ssh.authorize(key.publicKey);
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      {
        fixture: 'flux-demo',
        url: ssh.repoUrl('flux-demo'),
        secret: { identity: key.privateKey, password: 'deploy-passphrase', known_hosts: ssh.knownHosts() },
      },
    );
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop(), ssh?.stop()]);
  });

  it('applies the repository and commits develop-v1.9.0 over SSH; no identity Secret is made', async () => {
    const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
    await waitFor(
      'fluxdemo to be applied',
      async () => (await flaskImage()) === `${registry.host}/flaskapp:develop-v1.8.0`,
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const subject = `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor(
      'the automated commit, pushed over SSH',
      async () => (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim() === subject,
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    await waitFor(
      'the Deployment to run develop-v1.9.0',
      async () => (await flaskImage()) === `${registry.host}/flaskapp:develop-v1.9.0`,
      {
        timeoutMs: 30_000,
        onTimeout: logTail,
      },
    );
    const secrets = await kube.kubectl(['get', 'secrets', '-n', 'tagpilot-system', '-o', 'name']);
    assert.doesNotMatch(secrets.stdout, /tagpilot-identity/);
    assert.doesNotMatch(logTail(), /PRIVATE KEY|deploy-passphrase/);
  });
});
