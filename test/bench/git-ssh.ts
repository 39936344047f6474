/**
 * Scenario `git-ssh`: fetch + update + commit + push over SSH, tagpilot (ssh2, one working copy kept
 * warm) against the git CLI over OpenSSH, on the same repository served by the same sshd
 * (test/support/ssh-server.ts) in the same run. The two sides take turns, so each fetch brings the
 * other's commit: tagpilot `refresh()` + `commitAndPush`, the CLI `git pull --ff-only` + `sed` +
 * `commit -am` + `push`. A repository of 200 Deployment manifests. (Issue 14 asks for the row; it has
 * no target of its own, so it borrows git-writeback's ratio: ≤ 1.5× the CLI.)
 * Run: node test/bench/run.ts --only git-ssh
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { commitAndPush } from '../../controller/automation/index.ts';
import { createGitHttpClient, openRepository } from '../../controller/git/index.ts';
import type { ImageUpdate } from '../../controller/manifests/index.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';
import { startSshServer } from '../support/ssh-server.ts';
import type { Row, Scenario } from './harness.ts';

const FILES = 200;
const RUNS = 7;
const WARMUP = 1;
const TARGET_RATIO = 1.5;
const REGISTRY = 'registry.bench.local:5000';

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

const path = (i: number) => `apps/app-${String(i).padStart(4, '0')}.yaml`;
const name = (i: number) => `app-${String(i).padStart(4, '0')}`;

function manifest(i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name(i)}
  namespace: apps
spec:
  selector: {matchLabels: {app: ${name(i)}}}
  template:
    metadata: {labels: {app: ${name(i)}}}
    spec:
      containers:
        - name: main
          image: ${REGISTRY}/${name(i)}:1.0.0
`;
}

function bump(i: number, tag: string): ImageUpdate {
  return {
    target: {
      type: 'container',
      path: path(i),
      workload: { kind: 'Deployment', namespace: 'apps', name: name(i) },
      container: 'main',
    },
    image: { repo: `${REGISTRY}/${name(i)}`, tag },
  };
}

/** The `git-ssh` scenario. */
export const gitSshScenario: Scenario = {
  id: 'git-ssh',
  title: `fetch + update + commit + push over SSH (${FILES} manifests): tagpilot (ssh2) vs git CLI (OpenSSH)`,
  async run(context) {
    const server = await context.stack.git();
    const ssh = await startSshServer({ root: server.root });
    const temp = makeTempDir('bench-git-ssh');
    const dispatcher = new Agent();
    try {
      const seed = join(temp, 'seed');
      for (let i = 0; i < FILES; i++) {
        mkdirSync(join(seed, 'apps'), { recursive: true });
        writeFileSync(join(seed, path(i)), manifest(i));
      }
      const repoName = `bench-ssh-${Date.now()}`;
      await server.createRepo(repoName, { fromDir: seed });
      const key = await ssh.makeKey('ed25519');
      ssh.authorize(key.publicKey);
      const keyFile = join(temp, 'id_ed25519');
      writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
      const env = {
        ...ssh.gitEnv(keyFile),
        GIT_AUTHOR_NAME: 'CLI',
        GIT_AUTHOR_EMAIL: 'cli@example.test',
        GIT_COMMITTER_NAME: 'CLI',
        GIT_COMMITTER_EMAIL: 'cli@example.test',
        GIT_CONFIG_NOSYSTEM: '1',
      };
      const url = ssh.repoUrl(repoName);
      let start = performance.now();
      const repo = await openRepository({
        dir: join(temp, 'cache'),
        url,
        auth: { identity: key.privateKey, knownHosts: ssh.knownHosts() },
        http: createGitHttpClient({ dispatcher }),
      });
      const coldOpen = performance.now() - start;
      const cli = join(temp, 'cli');
      start = performance.now();
      await sh('git', ['clone', '--quiet', url, cli], temp, env);
      const cliClone = performance.now() - start;

      const ours: number[] = [];
      const theirs: number[] = [];
      const warmup = context.warmup(WARMUP);
      const runs = context.runs(RUNS);
      for (let run = 0; run < warmup + runs; run++) {
        const keep = run >= warmup;
        const file = run * 2;
        start = performance.now();
        await repo.refresh();
        const result = await commitAndPush({ repo, updates: [bump(file, `1.1.${run}`)] });
        if (keep) ours.push(performance.now() - start);
        if (!result.pushed) throw new Error(`run ${run}: tagpilot pushed nothing`);

        const other = file + 1;
        start = performance.now();
        await sh('git', ['pull', '--quiet', '--ff-only'], cli, env);
        await sh('sed', ['-i', `s|${name(other)}:1.0.0|${name(other)}:1.1.${run}|`, path(other)], cli, env);
        await sh('git', ['commit', '--quiet', '-am', `Bump ${name(other)}`], cli, env);
        await sh('git', ['push', '--quiet', 'origin', 'main'], cli, env);
        if (keep) theirs.push(performance.now() - start);
      }
      const ms = (n: number) => n.toFixed(0);
      const rows: Row[] = [
        {
          scenario: this.id,
          label: `fetch+update+commit+push over SSH, ${FILES} manifests`,
          unit: 'ms',
          ours: { name: 'tagpilot refresh + commitAndPush (ssh2)', values: ours },
          peer: { name: 'git CLI over OpenSSH (pull, sed, commit -am, push)', values: theirs },
          target: { text: `≤ ${TARGET_RATIO}× git`, maxRatio: TARGET_RATIO },
          note: `cold open over SSH (connect + shallow clone) ${ms(coldOpen)} ms, git clone over SSH ${ms(cliClone)} ms`,
        },
      ];
      return rows;
    } finally {
      await dispatcher.close();
      await ssh.stop();
      removeTempDir(temp);
    }
  },
};
