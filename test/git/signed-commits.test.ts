// Signed automated commits against the real Git server, checked by the real verifiers: `git
// verify-commit` with a throwaway GNUPGHOME holding the public key of a `gpg --quick-gen-key` key
// (OpenPGP), and with gpg.ssh.allowedSignersFile listing an `ssh-keygen` key (SSH signatures,
// ed25519 and ECDSA and RSA). On the sync branch and on a review branch. A key that cannot be
// loaded or a signer that fails leaves the remote as it was.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commitAndPush } from '../../controller/automation/index.ts';
import {
  type CommitSigner,
  GitError,
  loadCommitSigner,
  openRepository,
  SigningKeyError,
} from '../../controller/git/index.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';
import { FLUX_DEMO, flaskUpdate, type Harness, REGISTRY, startHarness } from './harness.ts';

const PASSPHRASE = 'correct horse battery staple';
const USER_ID = 'Tagpilot Bot <bot@example.test>';

/** Runs a program with stdin closed; rejects with its stderr. */
function exec(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr}`, { cause: error }));
        else resolve({ stdout, stderr });
      },
    );
  });
}

describe('signed automated commits', () => {
  let h: Harness;
  let keys = '';
  let gnupgHome = '';
  let armoredKey = '';
  let repoCount = 0;
  before(async () => {
    h = await startHarness();
    keys = makeTempDir('signing-keys');
    gnupgHome = join(keys, 'gnupg');
    await exec('mkdir', ['-m', '700', gnupgHome]);
    const gpg = (args: string[]) =>
      exec('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', PASSPHRASE, ...args], {
        GNUPGHOME: gnupgHome,
      });
    await gpg(['--quick-gen-key', USER_ID, 'ed25519', 'sign', 'never']);
    armoredKey = (await gpg(['--armor', '--export-secret-keys', 'bot@example.test'])).stdout;
  });
  after(async () => {
    await exec('gpgconf', ['--kill', 'gpg-agent'], { GNUPGHOME: gnupgHome }).catch(() => undefined);
    removeTempDir(keys);
    await h?.close();
  });

  /** A new repository with the flux demo, opened with `signer`; commits one image update to `branch`. */
  async function automatedCommit(signer: CommitSigner, pushBranch?: string) {
    const name = `signed-${++repoCount}`;
    await h.server.createRepo(name, { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    const repo = await openRepository({
      dir: h.cacheDir(name),
      url: h.server.repoUrl(name),
      auth: h.auth,
      http: h.http,
      signer,
    });
    const result = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.9.0')],
      ...(pushBranch ? { pushBranch } : {}),
    });
    assert.equal(result.pushed, true);
    assert.ok(result.commit);
    const bare = join(h.server.root, `${name}.git`);
    assert.equal((await exec('git', ['-C', bare, 'rev-parse', result.branch])).stdout.trim(), result.commit);
    return { bare, commit: result.commit, name };
  }

  /** `git verify-commit` in the bare repository on the server. */
  const verifyCommit = (bare: string, commit: string, config: string[] = [], env: NodeJS.ProcessEnv = {}) =>
    exec('git', ['-C', bare, ...config, 'verify-commit', '-v', commit], env);

  it('OpenPGP (git.asc with a passphrase): git verify-commit accepts the commit, on the sync branch and a review branch', async () => {
    const signer = await loadCommitSigner({
      format: 'openpgp',
      privateKey: armoredKey,
      passphrase: PASSPHRASE,
      source: 'test key git.asc',
    });
    for (const branch of [undefined, 'tagpilot/review']) {
      const { bare, commit } = await automatedCommit(signer, branch);
      const { stderr } = await verifyCommit(bare, commit, [], { GNUPGHOME: gnupgHome });
      assert.match(stderr, /Good signature from "Tagpilot Bot <bot@example\.test>"/);
      const raw = (await exec('git', ['-C', bare, 'cat-file', 'commit', commit])).stdout;
      assert.match(raw, /^gpgsig -----BEGIN PGP SIGNATURE-----$/m);
    }
  });

  it('OpenPGP: without the public key in the keyring the commit does not verify (the check can fail)', async () => {
    const signer = await loadCommitSigner({
      format: 'openpgp',
      privateKey: armoredKey,
      passphrase: PASSPHRASE,
      source: 'test key git.asc',
    });
    const { bare, commit } = await automatedCommit(signer);
    const empty = join(keys, 'empty-gnupg');
    await exec('mkdir', ['-m', '700', empty]);
    await assert.rejects(
      verifyCommit(bare, commit, [], { GNUPGHOME: empty }),
      /No public key|Can't check signature/,
    );
    await exec('gpgconf', ['--kill', 'gpg-agent'], { GNUPGHOME: empty }).catch(() => undefined);
  });

  const sshKeys: { type: string; args: string[]; passphrase?: string }[] = [
    { type: 'ed25519', args: ['-t', 'ed25519'], passphrase: PASSPHRASE },
    { type: 'ecdsa', args: ['-t', 'ecdsa', '-b', '256'] },
    { type: 'rsa', args: ['-t', 'rsa', '-b', '3072'] },
  ];
  for (const { type, args, passphrase } of sshKeys) {
    it(`SSH signature (${type}${passphrase ? ', with a passphrase' : ''}): git verify-commit with gpg.ssh.allowedSignersFile accepts the commit`, async () => {
      const file = join(keys, `id_${type}`);
      await exec('ssh-keygen', ['-q', ...args, '-N', passphrase ?? '', '-C', 'bot@example.test', '-f', file]);
      const signer = await loadCommitSigner({
        format: 'ssh',
        privateKey: readFileSync(file, 'utf8'),
        passphrase,
        source: `test key identity (${type})`,
      });
      for (const branch of [undefined, 'tagpilot/review']) {
        const { bare, commit } = await automatedCommit(signer, branch);
        const allowed = join(keys, `allowed_signers_${type}`);
        const publicKey = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
        writeFileSync(allowed, `bot@example.test ${publicKey}\n`);
        const config = ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${allowed}`];
        const { stderr } = await verifyCommit(bare, commit, config);
        assert.match(stderr, /Good "git" signature for bot@example\.test/);
        // Another key in the allowed signers file: the same commit is refused.
        const other = join(keys, `other_${type}`);
        await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
        const otherKey = readFileSync(`${other}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
        writeFileSync(allowed, `bot@example.test ${otherKey}\n`);
        await assert.rejects(verifyCommit(bare, commit, config));
        await exec('rm', ['-f', other, `${other}.pub`]);
      }
    });
  }

  it("a second run replaces tagpilot's own signed review-branch commit (recognised as its own), signed again", async () => {
    const file = join(keys, 'id_review');
    await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bot@example.test', '-f', file]);
    const signer = await loadCommitSigner({
      format: 'ssh',
      privateKey: readFileSync(file, 'utf8'),
      source: 'test key identity',
    });
    const first = await automatedCommit(signer, 'tagpilot/review');
    const repo = await openRepository({
      dir: h.cacheDir(`${first.name}-again`),
      url: h.server.repoUrl(first.name),
      auth: h.auth,
      http: h.http,
      signer,
    });
    const second = await commitAndPush({
      repo,
      updates: [flaskUpdate('develop-v1.10.0')],
      pushBranch: 'tagpilot/review',
    });
    assert.equal(second.pushed, true);
    const parents = (await exec('git', ['-C', first.bare, 'log', '--format=%P', '-1', 'tagpilot/review']))
      .stdout;
    const main = (await exec('git', ['-C', first.bare, 'rev-parse', 'main'])).stdout;
    assert.equal(parents.trim(), main.trim(), 'the own commit was replaced, not built upon');
    const allowed = join(keys, 'allowed_signers_review');
    const publicKey = readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    writeFileSync(allowed, `bot@example.test ${publicKey}\n`);
    const config = ['-c', `gpg.ssh.allowedSignersFile=${allowed}`];
    await verifyCommit(first.bare, 'tagpilot/review', config);
  });

  it('a wrong passphrase is a SigningKeyError naming the key, quoting nothing of it; nothing is pushed', async () => {
    const name = `signed-${++repoCount}`;
    await h.server.createRepo(name, { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    const before = (await h.server.gitIn(name, ['rev-parse', 'main'])).trim();
    const error = await loadCommitSigner({
      format: 'openpgp',
      privateKey: armoredKey,
      passphrase: 'wrong',
      source: 'Secret apps/signing key git.asc',
    }).then(
      () => assert.fail('a wrong passphrase was accepted'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SigningKeyError);
    assert.match(error.message, /^Secret apps\/signing key git\.asc: .*wrong passphrase/);
    assert.doesNotMatch(error.message, /BEGIN PGP|wrong"|PRIVATE/);
    assert.equal((await h.server.gitIn(name, ['rev-parse', 'main'])).trim(), before);
  });

  it('a signer that fails: SIGNING_FAILED and the remote branch is unchanged (no unsigned fallback)', async () => {
    const name = `signed-${++repoCount}`;
    await h.server.createRepo(name, { fromDir: FLUX_DEMO, replace: { REGISTRY_HOST: REGISTRY } });
    const before = (await h.server.gitIn(name, ['rev-parse', 'main'])).trim();
    const failing: CommitSigner = {
      format: 'openpgp',
      fingerprint: 'ABCD',
      sign: async () => {
        throw new Error('the hardware token went away');
      },
    };
    const repo = await openRepository({
      dir: h.cacheDir(name),
      url: h.server.repoUrl(name),
      auth: h.auth,
      http: h.http,
      signer: failing,
    });
    await assert.rejects(commitAndPush({ repo, updates: [flaskUpdate('develop-v1.9.0')] }), (e: unknown) => {
      assert.ok(e instanceof GitError);
      assert.equal(e.code, 'SIGNING_FAILED');
      assert.match(e.message, /openpgp key ABCD: the hardware token went away/);
      return true;
    });
    assert.equal((await h.server.gitIn(name, ['rev-parse', 'main'])).trim(), before);
  });
});
