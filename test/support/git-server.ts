// A real Git smart-HTTP server for tests: bare repositories served by `git http-backend` (CGI)
// behind a small Node HTTP shim that does Basic auth. Reads and pushes need credentials unless
// `anonymousRead` is set; an anonymous push is always refused.
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join, relative } from 'node:path';
import { freePort, makeTempDir, removeTempDir, run } from './processes.ts';

/** A running Git server. */
export interface GitServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Directory holding the bare repositories (`<name>.git`). */
  readonly root: string;
  /** `http://127.0.0.1:<port>/<name>.git` (no credentials). */
  repoUrl(name: string): string;
  /** The same URL with the credentials in it, for the git CLI. */
  authedRepoUrl(name: string): string;
  /**
   * Creates bare repository `name` with branch main, seeded with one commit of `fromDir`'s files
   * (each file's text run through `replace`: placeholder -> value).
   */
  createRepo(
    name: string,
    options?: { fromDir?: string; replace?: Record<string, string>; message?: string },
  ): Promise<void>;
  /** Runs git in the bare repository `name` (e.g. `log -p`). */
  gitIn(name: string, args: string[]): Promise<string>;
  /** Number of HTTP requests served so far. */
  requests(): number;
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

/** Serve over TLS: PEM file paths; with `clientCa`, a client certificate signed by it is required (mTLS). */
export interface GitServerTls {
  cert: string;
  key: string;
  clientCa?: string;
}

/** Starts the Git server on a free loopback port (HTTPS with `tls`). */
export async function startGitServer(
  options: { anonymousRead?: boolean; tls?: GitServerTls } = {},
): Promise<GitServer> {
  const dir = makeTempDir('git');
  const root = join(dir, 'repos');
  const username = 'gitops';
  const password = 'git-secret-1';
  const port = await freePort();
  const scheme = options.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  let count = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    count++;
    serve(req, res, { root, username, password, anonymousRead: options.anonymousRead ?? false });
  };
  const tls = options.tls;
  const server: Server = tls
    ? createHttpsServer(
        {
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
          ...(tls.clientCa
            ? { ca: readFileSync(tls.clientCa), requestCert: true, rejectUnauthorized: true }
            : {}),
        },
        handler,
      )
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const env = { ...process.env, ...GIT_ENV, HOME: dir };
  const git = (args: string[], cwd?: string) => run('git', args, { env, ...(cwd ? { cwd } : {}) });

  return {
    url,
    username,
    password,
    root,
    repoUrl: (name) => `${url}/${name}.git`,
    authedRepoUrl: (name) => `${scheme}://${username}:${password}@127.0.0.1:${port}/${name}.git`,
    async createRepo(name, seed = {}) {
      const bare = join(root, `${name}.git`);
      await git(['init', '--quiet', '--bare', '-b', 'main', bare]);
      await git(['config', 'http.receivepack', 'true'], bare);
      if (!seed.fromDir) return;
      const work = join(dir, `seed-${name}`);
      await git(['init', '--quiet', '-b', 'main', work]);
      cpSync(seed.fromDir, work, { recursive: true });
      for (const file of listFiles(work)) {
        let text = readFileSync(file, 'utf8');
        for (const [from, to] of Object.entries(seed.replace ?? {})) text = text.replaceAll(from, to);
        writeFileSync(file, text);
      }
      await git(['add', '-A'], work);
      await git(['commit', '--quiet', '-m', seed.message ?? 'Initial commit'], work);
      await git(['push', '--quiet', bare, 'main'], work);
    },
    gitIn: async (name, args) => (await git(args, join(root, `${name}.git`))).stdout,
    requests: () => count,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeTempDir(dir);
    },
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((entry) => !relative(dir, join(dir, entry)).startsWith('.git'))
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile());
}

function serve(
  req: IncomingMessage,
  res: ServerResponse,
  config: { root: string; username: string; password: string; anonymousRead: boolean },
): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const isPush =
    url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
  const user = authenticate(req.headers.authorization, config);
  if (user === null || (user === '' && (isPush || !config.anonymousRead))) {
    res.writeHead(401, {
      'www-authenticate': 'Basic realm="tagpilot-test-git"',
      'content-type': 'text/plain',
    });
    res.end(user === null ? 'bad credentials\n' : 'authentication required\n');
    return;
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: config.root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: user || undefined,
    GIT_PROTOCOL: (req.headers['git-protocol'] as string | undefined) ?? '',
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => {});
  let stderr = '';
  cgi.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersSent = true;
    const { status, headers } = parseCgiHeaders(head.subarray(0, end).toString('latin1'));
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', (code) => {
    if (!headersSent) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend failed (${code}): ${stderr}`);
      return;
    }
    res.end();
  });
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers };
}

/** '' for anonymous, the user name for good credentials, null for bad ones. */
function authenticate(
  header: string | undefined,
  config: { username: string; password: string },
): string | null {
  if (!header) return '';
  const [scheme, encoded] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const ok = decoded === `${config.username}:${config.password}`;
  return ok ? config.username : null;
}
