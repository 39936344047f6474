/**
 * Scenario `commit-signing`: the cost signing adds to one automated commit, ours (in process:
 * OpenPGP.js, SSHSIG over Node's crypto) next to what `git commit -S` runs for the same key (a
 * `gpg --detach-sign` or `ssh-keygen -Y sign` process per commit), on the same payload. Also the
 * one-off cost of loading the key (parsed and decrypted once per Secret change), in the notes.
 * No servers. Run: node_modules/.bin/node test/bench/run.ts --only commit-signing
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCommitSigner, type SigningKeyMaterial } from '../../controller/git/index.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';
import { alternate, expectEqual, type Row, type Scenario, summarize, time } from './harness.ts';

const RUNS = 20;
const WARMUP = 2;
const PAYLOAD = `tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
parent 9d2f1c6b0e0b6f5a3c1d7e8f9a0b1c2d3e4f5a6b
author tagpilot <tagpilot@users.noreply.local> 1767225600 +0000
committer tagpilot <tagpilot@users.noreply.local> 1767225600 +0000

Auto-release registry.example.com/flaskapp:develop-v1.9.0
`;

/** Runs a program with `input` on stdin; resolves with stdout. */
function pipe(file: string, args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file}: ${stderr}`, { cause: error }));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}

/** The `commit-signing` scenario: one row per format, ours against the program git runs. */
export const commitSigningScenario: Scenario = {
  id: 'commit-signing',
  title: 'sign one commit payload: in process (OpenPGP, SSH ed25519) vs gpg / ssh-keygen -Y sign',
  async run(context) {
    const runs = context.runs(RUNS);
    const warmup = context.warmup(WARMUP);
    const dir = makeTempDir('bench-signing');
    const gnupg = join(dir, 'gnupg');
    try {
      execFileSync('mkdir', ['-m', '700', gnupg]);
      const gpgEnv = { GNUPGHOME: gnupg };
      const gpg = ['--batch', '--pinentry-mode', 'loopback', '--passphrase', ''];
      execFileSync(
        'gpg',
        [...gpg, '--quick-gen-key', 'Bench <bench@example.test>', 'ed25519', 'sign', 'never'],
        {
          env: { ...process.env, ...gpgEnv },
          stdio: 'ignore',
        },
      );
      const armored = execFileSync('gpg', [...gpg, '--armor', '--export-secret-keys', 'bench@example.test'], {
        env: { ...process.env, ...gpgEnv },
        encoding: 'utf8',
      });
      const sshKey = join(dir, 'id_ed25519');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', sshKey]);
      const payloadFile = join(dir, 'payload');
      writeFileSync(payloadFile, PAYLOAD);
      const cases: {
        label: string;
        material: SigningKeyMaterial;
        peer: { name: string; run: () => Promise<string> };
        marker: string;
      }[] = [
        {
          label: 'sign one commit: OpenPGP ed25519',
          material: { format: 'openpgp', privateKey: armored, source: 'bench git.asc' },
          peer: {
            name: 'gpg --detach-sign (git commit -S)',
            run: () =>
              pipe('gpg', ['--batch', '--status-fd=2', '-bsau', 'bench@example.test'], PAYLOAD, gpgEnv),
          },
          marker: '-----BEGIN PGP SIGNATURE-----',
        },
        {
          label: 'sign one commit: SSH ed25519',
          material: { format: 'ssh', privateKey: readFileSync(sshKey, 'utf8'), source: 'bench identity' },
          peer: {
            name: 'ssh-keygen -Y sign (gpg.format=ssh)',
            run: async () => {
              await pipe('ssh-keygen', ['-Y', 'sign', '-n', 'git', '-f', sshKey, payloadFile], '');
              return readFileSync(`${payloadFile}.sig`, 'utf8');
            },
          },
          marker: '-----BEGIN SSH SIGNATURE-----',
        },
      ];
      const rows: Row[] = [];
      for (const c of cases) {
        context.log(c.label);
        const load: number[] = [];
        for (let i = 0; i < 5; i++) load.push(await time(() => loadCommitSigner(c.material)));
        const signer = await loadCommitSigner(c.material);
        const check = (signature: string) =>
          expectEqual(`${c.label} signature`, signature.startsWith(c.marker), true);
        const [ours, peer] = await alternate(
          [
            { name: 'tagpilot (in process)', run: async () => check(await signer.sign(PAYLOAD)) },
            { name: c.peer.name, run: async () => check(await c.peer.run()) },
          ],
          { runs, warmup },
        );
        if (!ours || !peer) throw new Error('alternate returned no series');
        rows.push({
          scenario: this.id,
          label: c.label,
          unit: 'ms',
          ours,
          peer,
          target: { text: '≤ 1.0× the program git runs', maxRatio: 1 },
          note: `loading the key (once per Secret change) median ${summarize(load).median.toFixed(1)} ms`,
        });
      }
      return rows;
    } finally {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], {
        env: { ...process.env, GNUPGHOME: gnupg },
        stdio: 'ignore',
      });
      removeTempDir(dir);
    }
  },
};
