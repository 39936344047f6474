// Shared setup of the Git write-back integration tests: the real Git server from the test stack,
// a keep-alive undici Agent, cache directories, and a git CLI client acting as "someone else".

import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'undici';
import {
  createGitHttpClient,
  type GitAuth,
  openRepository,
  type Repository,
} from '../../controller/git/index.ts';
import type { ImageUpdate } from '../../controller/manifests/index.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';

export const FLUX_DEMO = join(import.meta.dirname, '..', 'fixtures', 'flux-demo');
export const REGISTRY = '127.0.0.1:5000';

const CLI_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Other Client',
  GIT_AUTHOR_EMAIL: 'other@example.test',
  GIT_COMMITTER_NAME: 'Other Client',
  GIT_COMMITTER_EMAIL: 'other@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Everything a test needs; `close()` tears it down. */
export interface Harness {
  server: GitServer;
  auth: GitAuth;
  http: ReturnType<typeof createGitHttpClient>;
  /** A fresh cache directory path (not created). */
  cacheDir(name: string): string;
  /** Opens a working copy of `repo` in `dir` with the right credentials. */
  open(repo: string, dir: string, options?: { branch?: string }): Promise<Repository>;
  /** Runs the git CLI in `cwd` as another client. */
  git(args: string[], cwd: string): Promise<string>;
  /** Clones `repo` with the CLI (another client's checkout). */
  cliClone(repo: string): Promise<string>;
  /** Edits a file in a CLI checkout, commits and pushes it. */
  cliPush(clone: string, file: string, edit: (text: string) => string, message: string): Promise<void>;
  /** Creates bare repository `to` as a copy of `from` (no git process: see runGit). */
  copyRepo(from: string, to: string): void;
  /** Runs the git CLI in the bare repository `repo` on the server (like `server.gitIn`). */
  bare(repo: string, args: string[]): Promise<string>;
  /** `git log --format=%s <branch>` in the bare repository, newest first. */
  subjects(repo: string, branch?: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const server = await startGitServer();
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 5_000 } });
  const http = createGitHttpClient({ dispatcher, headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000 });
  const temp = makeTempDir('git-writeback');
  const auth = { username: server.username, password: server.password };
  let clones = 0;
  const git = (args: string[], cwd: string) => runGit(args, cwd);
  const bare = (repo: string, args: string[]) => runGit(args, join(server.root, `${repo}.git`));
  return {
    server,
    auth,
    http,
    cacheDir: (name) => join(temp, 'cache', name),
    open: (repo, dir, options = {}) =>
      openRepository({ dir, url: server.repoUrl(repo), auth, http, ...(options.branch ? options : {}) }),
    git,
    async cliClone(repo) {
      const dir = join(temp, `cli-${++clones}`);
      await runGit(['clone', '--quiet', server.authedRepoUrl(repo), dir], temp);
      return dir;
    },
    async cliPush(clone, file, edit, message) {
      await git(['pull', '--quiet', '--ff-only'], clone);
      const path = join(clone, file);
      writeFileSync(path, edit(readFileSync(path, 'utf8')));
      await git(['commit', '--quiet', '-am', message], clone);
      await git(['push', '--quiet', 'origin', 'HEAD'], clone);
    },
    bare,
    copyRepo(from, to) {
      cpSync(join(server.root, `${from}.git`), join(server.root, `${to}.git`), { recursive: true });
    },
    async subjects(repo, branch = 'main') {
      return (await bare(repo, ['log', '--format=%s', branch])).trim().split('\n');
    },
    async close() {
      await server.stop();
      await dispatcher.close();
      removeTempDir(temp);
    },
  };
}

/**
 * The git CLI with stdin closed. (test/support's `run` writes to the child's stdin, which now and then
 * fails with an unhandled EPIPE when git exits first; this runner has no stdin to write to.)
 */
function runGit(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: CLI_ENV, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

/** The update of the flux demo's flask container. */
export function flaskUpdate(tag: string): ImageUpdate {
  return {
    target: {
      type: 'container',
      path: 'deployment.yaml',
      workload: { kind: 'Deployment', namespace: 'my-demo', name: 'fluxdemo' },
      container: 'flask',
    },
    image: { repo: `${REGISTRY}/flaskapp`, tag },
  };
}

/** The `+`/`-` lines of a diff, without the `+++`/`---` file headers. */
export function changedLines(diff: string): string[] {
  return diff.split('\n').filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line));
}
