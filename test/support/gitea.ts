// A real Gitea for tests (the forge of the pull-request flow): built by scripts/build-binaries.sh,
// started on a free loopback port with a temp app.ini (SQLite, no SSH, offline), an admin user made
// with its own CLI and an API token made with its CLI too. Gitea refuses to run as root, so as root
// it runs as the unprivileged user `tagpilot-gitea` (scripts/setup.sh adds it) through setpriv; the
// binary is hard-linked and its options/ and templates/ are copied into the temp dir because the
// cache under /root is not readable by that user.
import { cpSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  binary,
  binDir,
  freePort,
  type ManagedProcess,
  makeTempDir,
  removeTempDir,
  run,
  startProcess,
  waitFor,
} from './processes.ts';

/** The Gitea version scripts/build-binaries.sh builds (its module copy holds options/ and templates/). */
export const GITEA_VERSION = 'v1.26.0';
/** The user Gitea runs as when the tests run as root. */
export const GITEA_USER = 'tagpilot-gitea';

/** A pull request as Gitea's API returns it (the fields the tests read). */
export interface GiteaPull {
  number: number;
  state: string;
  title: string;
  body: string;
  html_url: string;
  merged: boolean;
  head: { ref: string; sha: string };
  base: { ref: string };
}

/** A running Gitea. */
export interface GiteaServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The admin user, owner of every repository made here. */
  readonly username: string;
  readonly password: string;
  /** An API token of the admin user (scope all), made with `gitea admin user generate-access-token`. */
  readonly token: string;
  /** `http://127.0.0.1:<port>/<user>/<name>.git` (no credentials). */
  repoUrl(name: string): string;
  /**
   * Creates repository `name` (default branch main) through the API and pushes one commit of
   * `fromDir`'s files (each file's text run through `replace`) with the git CLI.
   */
  createRepo(
    name: string,
    options?: { fromDir?: string; replace?: Record<string, string>; message?: string },
  ): Promise<void>;
  /** One API call as the admin (token auth); throws on a status outside 2xx with the body. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Pull requests of repository `name` (`state`: open, closed, all; default all). */
  listPulls(name: string, state?: 'open' | 'closed' | 'all'): Promise<GiteaPull[]>;
  /** The files a pull request changes, as a unified diff. */
  pullDiff(name: string, number: number): Promise<string>;
  /** Merges a pull request (retried while Gitea is still checking whether it can be merged). */
  mergePull(name: string, number: number): Promise<void>;
  /** The commit at the head of `branch` of repository `name`. */
  branchHead(name: string, branch: string): Promise<string>;
  /** Adds a push webhook of type gitea with `secret` (HMAC-SHA256 in X-Gitea-Signature). */
  addPushWebhook(name: string, url: string, secret: string): Promise<void>;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test Seeder',
  GIT_AUTHOR_EMAIL: 'seeder@example.test',
  GIT_COMMITTER_NAME: 'Test Seeder',
  GIT_COMMITTER_EMAIL: 'seeder@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** Starts Gitea on a free loopback port with an admin user and a token. */
export async function startGitea(): Promise<GiteaServer> {
  const dir = makeTempDir('gitea');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const username = 'tagpilot';
  const password = 'gitea-secret-1';
  const asRoot = process.getuid?.() === 0;
  const home = join(dir, 'home');
  for (const sub of ['home', 'data', 'repos', 'log', 'custom']) mkdirSync(join(dir, sub));
  const gitea = join(dir, 'gitea');
  const built = binary(`gitea-${GITEA_VERSION}`);
  try {
    linkSync(built, gitea);
  } catch {
    cpSync(built, gitea);
  }
  const moduleDir = join(binDir(), '..', 'build', `gitea-${GITEA_VERSION}`);
  for (const sub of ['options', 'templates'])
    cpSync(join(moduleDir, sub), join(dir, 'static', sub), { recursive: true });
  const ini = join(dir, 'app.ini');
  writeFileSync(ini, appIni({ dir, port, url, runUser: asRoot ? GITEA_USER : (process.env.USER ?? 'root') }));
  if (asRoot) {
    const user = await run('id', ['-u', GITEA_USER], { allowFailure: true });
    if (user.code !== 0)
      throw new Error(
        `Gitea refuses to run as root and the user ${GITEA_USER} does not exist: run scripts/setup.sh`,
      );
    await run('chown', ['-R', `${GITEA_USER}:${GITEA_USER}`, dir]);
  }
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    USER: asRoot ? GITEA_USER : (process.env.USER ?? ''),
    GITEA_WORK_DIR: dir,
  };
  const command = (args: string[]) =>
    asRoot
      ? {
          command: 'setpriv',
          args: ['--reuid', GITEA_USER, '--regid', GITEA_USER, '--init-groups', '--', gitea, ...args],
        }
      : { command: gitea, args };
  const cli = async (args: string[]) => {
    const c = command([...args, '--config', ini, '--work-path', dir]);
    return (await run(c.command, c.args, { env, cwd: dir })).stdout;
  };
  await cli(['migrate']);
  await cli([
    'admin',
    'user',
    'create',
    '--admin',
    '--username',
    username,
    '--password',
    password,
    '--email',
    'tagpilot@example.test',
    '--must-change-password=false',
  ]);
  const token = (
    await cli([
      'admin',
      'user',
      'generate-access-token',
      '--username',
      username,
      '--token-name',
      'tests',
      '--scopes',
      'all',
      '--raw',
    ])
  ).trim();
  const serve = command(['web', '--config', ini, '--work-path', dir, '--port', String(port)]);
  const proc = startProcess({ name: 'gitea', ...serve, logFile: join(dir, 'gitea.log'), env, cwd: dir });
  await waitFor(
    'gitea to serve its API',
    async () => (await fetch(`${url}/api/v1/version`).catch(() => undefined))?.ok === true,
    { timeoutMs: 60_000, intervalMs: 200, onTimeout: () => proc.logTail(40) },
  );

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`gitea ${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const gitEnv = { ...process.env, ...GIT_ENV, HOME: home };
  const authed = (name: string) => `http://${username}:${password}@127.0.0.1:${port}/${username}/${name}.git`;

  return {
    url,
    username,
    password,
    token,
    process: proc,
    repoUrl: (name) => `${url}/${username}/${name}.git`,
    api,
    async createRepo(name, seed = {}) {
      await api('POST', '/user/repos', { name, default_branch: 'main', private: true, auto_init: false });
      if (!seed.fromDir) return;
      const work = makeTempDir(`gitea-seed-${name}`);
      try {
        const git = (args: string[]) => run('git', args, { env: gitEnv, cwd: work });
        await git(['init', '--quiet', '-b', 'main', '.']);
        cpSync(seed.fromDir, work, { recursive: true });
        for (const file of listFiles(work)) {
          let text = readFileSync(file, 'utf8');
          for (const [from, to] of Object.entries(seed.replace ?? {})) text = text.replaceAll(from, to);
          writeFileSync(file, text);
        }
        await git(['add', '-A']);
        await git(['commit', '--quiet', '-m', seed.message ?? 'Initial commit']);
        await git(['push', '--quiet', authed(name), 'main']);
      } finally {
        removeTempDir(work);
      }
    },
    listPulls: (name, state = 'all') =>
      api<GiteaPull[]>('GET', `/repos/${username}/${name}/pulls?state=${state}`),
    async pullDiff(name, number) {
      const response = await fetch(`${url}/api/v1/repos/${username}/${name}/pulls/${number}.diff`, {
        headers: { authorization: `token ${token}` },
      });
      if (!response.ok) throw new Error(`gitea diff of #${number}: ${response.status}`);
      return response.text();
    },
    async mergePull(name, number) {
      let last = '';
      await waitFor(
        `gitea to merge #${number}`,
        async () => {
          try {
            await api('POST', `/repos/${username}/${name}/pulls/${number}/merge`, { Do: 'merge' });
            return true;
          } catch (error) {
            last = String(error);
            return false;
          }
        },
        { timeoutMs: 30_000, intervalMs: 500, onTimeout: () => last },
      );
    },
    async branchHead(name, branch) {
      // git ls-remote: Gitea's branches API answers for the repository as it was when the server
      // opened it (an empty repository stays empty there until Gitea notices the push).
      const { stdout } = await run('git', ['ls-remote', authed(name), `refs/heads/${branch}`], {
        env: gitEnv,
      });
      return stdout.split('\t')[0] ?? '';
    },
    async addPushWebhook(name, hookUrl, secret) {
      await api('POST', `/repos/${username}/${name}/hooks`, {
        type: 'gitea',
        active: true,
        events: ['push'],
        branch_filter: '*',
        config: { url: hookUrl, content_type: 'json', secret },
      });
    },
    async stop() {
      await proc.stop();
      removeTempDir(dir);
    },
  };
}

function appIni(o: { dir: string; port: number; url: string; runUser: string }): string {
  return `APP_NAME = tagpilot-test
RUN_USER = ${o.runUser}
RUN_MODE = prod
WORK_PATH = ${o.dir}

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${o.port}
ROOT_URL = ${o.url}/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = ${join(o.dir, 'static')}
APP_DATA_PATH = ${join(o.dir, 'data')}

[database]
DB_TYPE = sqlite3
PATH = ${join(o.dir, 'data', 'gitea.db')}

[repository]
ROOT = ${join(o.dir, 'repos')}
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
SECRET_KEY = tagpilot-test-secret-key-0123456789
INTERNAL_TOKEN = eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJuYmYiOjE3MDAwMDAwMDB9.tagpilot-test-internal-token-abc

[oauth2]
ENABLED = false

[service]
DISABLE_REGISTRATION = true
REQUIRE_SIGNIN_VIEW = false

[webhook]
ALLOWED_HOST_LIST = *
DELIVER_TIMEOUT = 10

[mailer]
ENABLED = false

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[cron]
ENABLED = false

[log]
MODE = console
LEVEL = Warn
ROOT_PATH = ${join(o.dir, 'log')}
`;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => !relative(dir, join(dir, entry)).startsWith('.git'))
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile());
}
