/**
 * Scenario `git-writeback`: update + commit + push of one image in a repository of 2,000 Deployment manifests with
 * a warm working copy (DESIGN §6 target: ≤ 1 s and ≤ 1.5× the git CLI), against the real Git server
 * (git http-backend). Runs alternate between tagpilot (`commitAndPush`) and the git CLI doing the
 * same (`sed` on one file, `git commit -am`, `git push`), each with a fresh bump. Before each timed
 * run, each side catches up with the other's last push untimed (`refresh()` / `git pull`), as the
 * controller's poll loop would.
 * Run: npm run bench -- --only git-writeback
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import { commitAndPush } from '../../controller/automation/index.ts';
import { createGitHttpClient, openRepository } from '../../controller/git/index.ts';
import type { ImageUpdate } from '../../controller/manifests/index.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';
import { type Row, type Scenario, summarize } from './harness.ts';

const FILES = 2_000;
const TEAMS = 20;
const RUNS = 7;
const WARMUP = 1;
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

/** The `git-writeback` scenario. */
export const gitWritebackScenario: Scenario = {
  id: 'git-writeback',
  title: `update + commit + push in a ${FILES.toLocaleString('en')}-manifest repository (warm): tagpilot vs git CLI`,
  async run(context) {
    const server = await context.stack.git();
    const temp = makeTempDir('bench-git');
    const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
    try {
      const seed = join(temp, 'seed');
      generate(seed);
      const name = `bench-writeback-${Date.now()}`;
      await server.createRepo(name, { fromDir: seed });
      const http = createGitHttpClient({ dispatcher });
      const auth = { username: server.username, password: server.password };

      let start = performance.now();
      const repo = await openRepository({ dir: join(temp, 'cache'), url: server.repoUrl(name), auth, http });
      const coldOpen = performance.now() - start;
      start = performance.now();
      await repo.refresh();
      const warmRefresh = performance.now() - start;
      const cli = join(temp, 'cli');
      start = performance.now();
      await sh('git', ['clone', '--quiet', server.authedRepoUrl(name), cli], temp);
      const cliClone = performance.now() - start;

      const ours: number[] = [];
      const theirs: number[] = [];
      /** CPU time of this process during each timed commitAndPush: the work, without waiting for a core or the server. */
      const cpu: number[] = [];
      const warmup = context.warmup(WARMUP);
      const runs = context.runs(RUNS);
      for (let run = 0; run < warmup + runs; run++) {
        // Warm-up runs warm the JIT, the connection pool and the OS caches; they are not kept.
        const keep = run >= warmup;
        await repo.refresh();
        const file = 10 + run * 2;
        const cpuBefore = process.cpuUsage();
        start = performance.now();
        const result = await commitAndPush({ repo, updates: [bump(file, `1.1.${run}`)] });
        if (keep) ours.push(performance.now() - start);
        const used = process.cpuUsage(cpuBefore);
        if (keep) cpu.push((used.user + used.system) / 1000);
        if (!result.pushed) throw new Error(`run ${run}: tagpilot pushed nothing`);

        await sh('git', ['pull', '--quiet', '--ff-only'], cli);
        const other = file + 1;
        const app = `app-${String(other).padStart(4, '0')}`;
        start = performance.now();
        await sh('sed', ['-i', `s|${app}:1.0.0|${app}:1.1.${run}|`, manifestPath(other)], cli);
        await sh('git', ['commit', '--quiet', '-am', `Bump ${app} to 1.1.${run}`], cli);
        await sh('git', ['push', '--quiet', 'origin', 'main'], cli);
        if (keep) theirs.push(performance.now() - start);
      }
      const commits = (
        await sh('git', ['rev-list', '--count', 'main'], join(server.root, `${name}.git`))
      ).trim();
      const expected = 1 + 2 * (warmup + runs);
      if (Number(commits) !== expected) throw new Error(`${commits} commits on main, expected ${expected}`);
      const ms = (n: number) => n.toFixed(0);
      const rows: Row[] = [
        {
          scenario: this.id,
          label: `update+commit+push, ${FILES.toLocaleString('en')} manifests`,
          unit: 'ms',
          ours: { name: 'tagpilot commitAndPush', values: ours },
          peer: { name: 'git CLI (sed, commit -am, push)', values: theirs },
          target: {
            text: `≤ ${TARGET_MS / 1000} s, ≤ ${TARGET_RATIO}× git`,
            maxValue: TARGET_MS,
            maxRatio: TARGET_RATIO,
          },
          note:
            `cold open (shallow clone + checkout) ${ms(coldOpen)} ms, warm refresh (nothing new) ` +
            `${ms(warmRefresh)} ms, git clone ${ms(cliClone)} ms; commitAndPush CPU time median ` +
            `${ms(summarize(cpu).median)} ms (the rest of its wall time is the Git server and waiting)`,
        },
      ];
      return rows;
    } finally {
      await dispatcher.close();
      removeTempDir(temp);
    }
  },
};
