/**
 * Benchmark: update + commit + push of one image in a repository of 2,000 Deployment manifests with
 * a warm working copy (DESIGN §6 target: ≤ 1 s and ≤ 1.5× the git CLI), against the real Git server
 * (git http-backend). Runs alternate between tagpilot (`commitAndPush`) and the git CLI doing the
 * same (`sed` on one file, `git commit -am`, `git push`), each with a fresh bump. Before each timed
 * run, each side catches up with the other's last push untimed (`refresh()` / `git pull`), as the
 * controller's poll loop would.
 * Run: node_modules/.bin/node test/bench/git-writeback.ts
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { commitAndPush, createGitHttpClient, openRepository } from '../../controller/git/index.ts';
import type { ImageUpdate } from '../../controller/manifests/index.ts';
import { startGitServer } from '../support/git-server.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';

const FILES = 2_000;
const TEAMS = 20;
const RUNS = 7;
const TARGET_MS = 1_000;
const TARGET_RATIO = 1.5;
const REGISTRY = 'registry.bench.local:5000';

const CLI_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'CLI',
  GIT_AUTHOR_EMAIL: 'cli@example.test',
  GIT_COMMITTER_NAME: 'CLI',
  GIT_COMMITTER_EMAIL: 'cli@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs a command with stdin closed. */
function sh(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: CLI_ENV }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

function team(i: number): string {
  return `team-${String(i % TEAMS).padStart(2, '0')}`;
}

function manifestPath(i: number): string {
  return `apps/${team(i)}/app-${String(i).padStart(4, '0')}.yaml`;
}

function manifest(i: number): string {
  const name = `app-${String(i).padStart(4, '0')}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${team(i)}
  labels:
    app: ${name}
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.main: semver:^1
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: main
          image: ${REGISTRY}/${name}:1.0.0
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 10m, memory: 32Mi}
`;
}

function generate(dir: string): void {
  for (let i = 0; i < FILES; i++) {
    const path = join(dir, manifestPath(i));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, manifest(i));
  }
}

function bump(i: number, tag: string): ImageUpdate {
  const name = `app-${String(i).padStart(4, '0')}`;
  return {
    target: {
      type: 'container',
      path: manifestPath(i),
      workload: { kind: 'Deployment', namespace: team(i), name },
      container: 'main',
    },
    image: { repo: `${REGISTRY}/${name}`, tag },
  };
}

const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, min: sorted[0], max: sorted.at(-1) };
};
const ms = (n: number | undefined): string => (n ?? Number.NaN).toFixed(0).padStart(6);

async function main(): Promise<void> {
  const server = await startGitServer();
  const temp = makeTempDir('bench-git');
  const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
  try {
    const seed = join(temp, 'seed');
    generate(seed);
    await server.createRepo('bench', { fromDir: seed });
    const http = createGitHttpClient({ dispatcher });
    const auth = { username: server.username, password: server.password };

    let start = performance.now();
    const repo = await openRepository({ dir: join(temp, 'cache'), url: server.repoUrl('bench'), auth, http });
    const coldOpen = performance.now() - start;
    start = performance.now();
    await repo.refresh();
    const warmRefresh = performance.now() - start;
    const cli = join(temp, 'cli');
    start = performance.now();
    await sh('git', ['clone', '--quiet', server.authedRepoUrl('bench'), cli], temp);
    const cliClone = performance.now() - start;

    // One untimed run each, to warm the JIT, the connection pool and the OS caches.
    await commitAndPush({ repo, updates: [bump(1, '1.0.1')] });
    await sh('git', ['pull', '--quiet', '--ff-only'], cli);

    const ours: number[] = [];
    const theirs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await repo.refresh();
      const file = 10 + run * 2;
      start = performance.now();
      const result = await commitAndPush({ repo, updates: [bump(file, `1.1.${run}`)] });
      ours.push(performance.now() - start);
      if (!result.pushed) throw new Error(`run ${run}: tagpilot pushed nothing`);

      await sh('git', ['pull', '--quiet', '--ff-only'], cli);
      const other = file + 1;
      const name = `app-${String(other).padStart(4, '0')}`;
      start = performance.now();
      await sh('sed', ['-i', `s|${name}:1.0.0|${name}:1.1.${run}|`, manifestPath(other)], cli);
      await sh('git', ['commit', '--quiet', '-am', `Bump ${name} to 1.1.${run}`], cli);
      await sh('git', ['push', '--quiet', 'origin', 'main'], cli);
      theirs.push(performance.now() - start);
    }
    const commits = (await sh('git', ['rev-list', '--count', 'main'], join(server.root, 'bench.git'))).trim();

    const a = stats(ours);
    const b = stats(theirs);
    const ratio = a.median / b.median;
    console.log(
      `update + commit + push, ${FILES.toLocaleString('en')} manifests, warm working copy, ${RUNS} runs each (ms)`,
    );
    console.log(`${''.padEnd(34)} median    min    max`);
    console.log(`${'tagpilot commitAndPush'.padEnd(34)} ${ms(a.median)} ${ms(a.min)} ${ms(a.max)}`);
    console.log(
      `${'git CLI (sed + commit -am + push)'.padEnd(34)} ${ms(b.median)} ${ms(b.min)} ${ms(b.max)}`,
    );
    const verdict = a.median <= TARGET_MS && ratio <= TARGET_RATIO ? 'ok' : 'OVER';
    console.log(
      `ratio tagpilot / git CLI (medians): ${ratio.toFixed(2)}  (target ≤ ${TARGET_RATIO}, ≤ ${TARGET_MS} ms: ${verdict})`,
    );
    console.log(
      `for reference: cold open (shallow clone + checkout) ${ms(coldOpen).trim()} ms, ` +
        `warm refresh (nothing new) ${ms(warmRefresh).trim()} ms, git clone ${ms(cliClone).trim()} ms; ` +
        `${commits} commits on main`,
    );
  } finally {
    await server.stop();
    await dispatcher.close();
    removeTempDir(temp);
  }
}

await main();
