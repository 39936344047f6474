// Signed automated commits with the controller running as its own process: a signing key Secret
// whose passphrase is wrong turns Ready False (SigningKeyInvalid, naming the Secret and key, quoting
// none of it) while the repository is still synced, and no commit reaches Git; fixed, the next
// automated commit arrives and the real `git verify-commit` (gpg.ssh.allowedSignersFile) accepts it.
// The CLI's edit commands (`tagpilot lock`) are refused, then signed, the same way.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli } from '../cli/run-cli.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, eventLines, gitSyncCondition, installScenario } from '../support/scenario.ts';

const PASSPHRASE = 'correct horse battery staple';

function exec(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr}`, { cause: error }));
      else resolve({ stdout, stderr });
    });
  });
}

describe('signed automated commits end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const keys = makeTempDir('e2e-signing');
  const keyFile = join(keys, 'id_ed25519');
  const logTail = () => controller?.process.logTail(40) ?? '';
  const tagpilot = (args: string[]) => cli({ cacheHome: keys, kubeconfig: kube.kubeconfigPath })(args);
  const WORKLOAD = '--workload=my-demo:deployment/fluxdemo';
  const bare = () => join(git.root, 'flux-demo.git');
  const verify = (allowed: string, commit = 'main') =>
    exec('git', ['-C', bare(), '-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', commit]);

  /** Creates or replaces the signing key Secret. */
  const signingSecret = async (passphrase: string) => {
    const manifest = await kube.kubectl([
      'create',
      'secret',
      'generic',
      'flux-demo-signing',
      '-n',
      'tagpilot-system',
      `--from-file=identity=${keyFile}`,
      `--from-literal=passphrase=${passphrase}`,
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    await kube.kubectl(['apply', '-f', '-'], { input: manifest.stdout });
  };

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await exec('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      PASSPHRASE,
      '-C',
      'bot@example.test',
      '-f',
      keyFile,
    ]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', automation: 'commit: {signingKey: {secretRef: {name: flux-demo-signing}}}' },
    );
    await signingSecret('not the passphrase');
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    removeTempDir(keys);
  });

  it('a wrong passphrase: Ready=False SigningKeyInvalid, the repository is still synced, nothing is committed', async () => {
    await waitFor(
      'Ready=False SigningKeyInvalid',
      async () => (await gitSyncCondition(kube, 'flux-demo', 'Ready'))?.reason === 'SigningKeyInvalid',
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    const ready = await gitSyncCondition(kube, 'flux-demo', 'Ready');
    assert.equal(ready?.status, 'False');
    assert.match(
      ready?.message ?? '',
      /^Secret tagpilot-system\/flux-demo-signing key identity: the SSH private key is encrypted and the passphrase is wrong; image automation makes no commit/,
    );
    assert.doesNotMatch(ready?.message ?? '', /BEGIN|PRIVATE|not the passphrase/);
    const applied = `${registry.host}/flaskapp:develop-v1.8.0`;
    await waitFor('the repository is synced all the same', async () => {
      return (await deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask')) === applied;
    });
    assert.match(
      await eventLines(kube, 'tagpilot-system'),
      /SigningKeyInvalid: Secret tagpilot-system\/flux-demo-signing/,
    );
    assert.deepEqual((await git.gitIn('flux-demo', ['log', '--format=%s', 'main'])).trim().split('\n'), [
      'Initial commit',
    ]);
    // The CLI's edit commands sign with the same key: refused too, read-only commands still run.
    const refused = await tagpilot(['lock', WORKLOAD]);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(
      refused.stderr,
      /Git SIGNING_FAILED: .*ssh key that cannot be loaded: .*Secret tagpilot-system\/flux-demo-signing key identity: the SSH private key is encrypted and the passphrase is wrong/,
    );
    assert.equal((await git.gitIn('flux-demo', ['rev-list', '--count', 'main'])).trim(), '1');
  });

  it('the passphrase fixed: the automated commit arrives signed and git verify-commit accepts it', async () => {
    await signingSecret(PASSPHRASE);
    const subject = `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor(
      'the signed automated commit in Git',
      async () => (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim() === subject,
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    const allowed = join(keys, 'allowed_signers');
    const publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(allowed, `bot@example.test ${publicKey}\n`);
    const { stderr } = await verify(allowed);
    assert.match(stderr, /Good "git" signature for bot@example\.test with ED25519 key SHA256:/);
    const locked = await tagpilot(['lock', WORKLOAD]);
    assert.equal(locked.code, 0, locked.stderr);
    assert.equal(
      (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim().startsWith('Lock'),
      true,
    );
    await verify(allowed);
    await waitFor(
      'Ready again',
      async () => (await gitSyncCondition(kube, 'flux-demo', 'Ready'))?.status === 'True',
      { timeoutMs: 30_000, onTimeout: logTail },
    );
  });
});
