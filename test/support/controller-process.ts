// Runs the tagpilot controller as a separate process, the way a user would (`tagpilot controller`),
// against the test stack; its JSON log goes to a file that tests can read.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binary, type ManagedProcess, makeTempDir, startProcess, waitFor } from './processes.ts';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'controller', 'cli', 'main.ts');

/** Where test processes keep the compile caches that the image keeps under /app (which is not here). */
const COMPILE_CACHES = join(root, 'node_modules', '.cache', 'tagpilot-compile-cache');

let compileCacheDir: string | undefined;

/**
 * This checkout's compile cache: one directory per state of the sources, Node.js and the image's
 * flags, as the image builds its cache from exactly what it ships. A cache kept across edits holds
 * entries of files that no longer exist in that form; a controller started on it loaded more than
 * the image's does (the `rss` bench read ~24 MB more). Directories of earlier states are removed.
 */
function compileCache(): string {
  if (compileCacheDir !== undefined) return compileCacheDir;
  const hash = createHash('sha256')
    .update(process.version)
    .update(readFileSync(join(root, 'Dockerfile')));
  hash.update(readFileSync(join(root, 'package-lock.json')));
  for (const file of sourceFiles()) hash.update(file).update(readFileSync(file));
  const key = hash.digest('hex').slice(0, 16);
  try {
    for (const entry of readdirSync(COMPILE_CACHES)) {
      if (entry !== key) rmSync(join(COMPILE_CACHES, entry), { recursive: true, force: true });
    }
  } catch {
    // no caches yet
  }
  compileCacheDir = join(COMPILE_CACHES, key);
  return compileCacheDir;
}

/** The files the controller loads from this checkout (controller/, registry/, scripts/warm-compile-cache.ts). */
function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === 'testdata' ? [] : walk(path);
        return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
      });
  return [
    ...walk(join(root, 'controller')),
    ...walk(join(root, 'registry')),
    join(root, 'scripts', 'warm-compile-cache.ts'),
  ];
}

/**
 * The environment the container image sets (`ENV NAME=value` lines of the Dockerfile's last stage),
 * with NODE_COMPILE_CACHE moved to this checkout's compile cache (compileCache()), and the kustomize that the image has
 * on PATH taken from the test binaries (scripts/build-binaries.sh).
 */
export function imageEnv(): Record<string, string> {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = Object.fromEntries(
    [...lastStage.matchAll(/^ENV\s+([A-Z_]+)=(\S+)\s*$/gm)].map((m) => [m[1], m[2]]),
  );
  if (env.NODE_COMPILE_CACHE !== undefined) env.NODE_COMPILE_CACHE = compileCache();
  env.TAGPILOT_KUSTOMIZE_BINARY = binary('kustomize');
  return env;
}

let compileCacheWarm: Promise<unknown> | undefined;

/**
 * Fills the compile cache the way the image build does (scripts/warm-compile-cache.ts, with the
 * image's flags), once per test process, so that a controller starts from a warm cache as in the image.
 */
export function warmCompileCache(): Promise<unknown> {
  if (imageEnv().NODE_COMPILE_CACHE === undefined) return Promise.resolve();
  compileCacheWarm ??= promisify(execFile)(
    process.execPath,
    [...imageNodeFlags(), join(root, 'scripts', 'warm-compile-cache.ts')],
    { env: { ...process.env, ...imageEnv() } },
  );
  return compileCacheWarm;
}

/** The Node.js flags the container image runs the controller with (from the Dockerfile's ENTRYPOINT). */
export function imageNodeFlags(): string[] {
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
  if (entrypoint === undefined) throw new Error('the Dockerfile has no ENTRYPOINT ["node", …]');
  const argv = JSON.parse(entrypoint) as string[];
  return argv.slice(
    1,
    argv.findIndex((arg) => arg.endsWith('/cli/main.ts')),
  );
}

/**
 * Measuring a Node.js flag or an ENV value against the image's (the `rss` bench, README "Memory"):
 * TAGPILOT_EXPERIMENT_NODE_FLAGS="--flag --other" adds flags after the image's, and
 * TAGPILOT_EXPERIMENT_ENV="NAME=value OTHER=" sets (or, with nothing after `=`, removes) ENV
 * values of the controller processes that the tests and the bench start. Unset: as the image.
 */
export function experimentNodeFlags(): string[] {
  return (process.env.TAGPILOT_EXPERIMENT_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

/** The ENV changes of TAGPILOT_EXPERIMENT_ENV (see experimentNodeFlags). */
export function experimentEnv(): Record<string, string | undefined> {
  const pairs = (process.env.TAGPILOT_EXPERIMENT_ENV ?? '').split(/\s+/).filter(Boolean);
  return Object.fromEntries(
    pairs.map((pair) => {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      return [name, value === '' ? undefined : value];
    }),
  );
}

/** A running controller process. */
export interface ControllerProcess {
  process: ManagedProcess;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Port of /metrics, /healthz, /readyz. */
  port: number;
  /** Port of the --metrics-addr server, when the controller was started with one. */
  metricsPort: number | undefined;
  stop(): Promise<void>;
}

/** Where a controller started "in a Pod" finds the API server and its ServiceAccount. */
export interface InClusterSetup {
  /** KUBERNETES_SERVICE_HOST and _PORT. */
  host: string;
  port: string;
  /** A directory with `token`, `ca.crt` and `namespace`, mounted where a Pod has them. */
  serviceAccountDir: string;
}

/** The path at which a Pod sees its ServiceAccount's token, CA and namespace. */
export const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Starts `tagpilot controller` with the given kubeconfig and extra flags; waits until /readyz is ok.
 * With `inCluster` instead of a kubeconfig it starts the way it would in a Pod: no kubeconfig at
 * all, KUBERNETES_SERVICE_HOST/PORT set, and the ServiceAccount directory bind-mounted at
 * SERVICE_ACCOUNT_PATH in a mount namespace of its own (`unshare`, root only), over a private
 * tmpfs on /run so that nothing changes outside the process.
 */
export async function startController(options: {
  kubeconfig?: string;
  inCluster?: InClusterSetup;
  args?: string[];
  name?: string;
  /** Wait for /readyz (default true; a standby replica is ready too). */
  waitReady?: boolean;
}): Promise<ControllerProcess> {
  await warmCompileCache();
  const dir = makeTempDir(options.name ?? 'controller');
  const logFile = join(dir, 'controller.log');
  // Started as the image starts it: same Node.js flags, same entry point.
  const argv = [
    ...imageNodeFlags(),
    ...experimentNodeFlags(),
    cli,
    'controller',
    ...(options.kubeconfig ? [`--kubeconfig=${options.kubeconfig}`] : []),
    '--http-addr=127.0.0.1:0',
    `--cache-dir=${join(dir, 'cache')}`,
    '--leader-election-namespace=tagpilot-system',
    '--log-level=debug',
    ...(options.args ?? []),
  ];
  const process_ = options.inCluster
    ? startInPod(options.name ?? 'tagpilot-controller', argv, logFile, dir, options.inCluster)
    : startProcess({
        name: options.name ?? 'tagpilot-controller',
        command: process.execPath,
        args: argv,
        logFile,
        env: { ...process.env, ...imageEnv(), ...experimentEnv() },
      });
  const logs = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  let port = 0;
  let metricsPort: number | undefined;
  await waitFor(
    'controller to start',
    () => {
      const started = logs().find((line) => line.msg === 'controller started');
      port = typeof started?.port === 'number' ? started.port : 0;
      metricsPort = typeof started?.metricsPort === 'number' ? started.metricsPort : undefined;
      return port > 0;
    },
    { timeoutMs: 30_000, onTimeout: () => process_.logTail() },
  );
  if (options.waitReady ?? true) {
    await waitFor('controller /readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
      timeoutMs: 30_000,
      onTimeout: () => process_.logTail(),
    });
  }
  const stop = async () => {
    await process_.stop();
    // TAGPILOT_KEEP_LOGS=<dir> keeps controller logs of test runs for debugging.
    const keep = process.env.TAGPILOT_KEEP_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(logFile, join(keep, `${options.name ?? 'controller'}-${process_.pid}.log`));
    }
  };
  return { process: process_, logs, port, metricsPort, stop };
}

function startInPod(
  name: string,
  argv: string[],
  logFile: string,
  dir: string,
  pod: InClusterSetup,
): ManagedProcess {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const script = [
    'set -e',
    'mount -t tmpfs tmpfs /run',
    `mkdir -p ${SERVICE_ACCOUNT_PATH}`,
    `mount --bind ${quote(pod.serviceAccountDir)} ${SERVICE_ACCOUNT_PATH}`,
    `exec ${[process.execPath, ...argv].map(quote).join(' ')}`,
  ].join('\n');
  const env: NodeJS.ProcessEnv = {
    ...imageEnv(),
    PATH: process.env.PATH,
    HOME: dir, // no ~/.kube/config here
    KUBERNETES_SERVICE_HOST: pod.host,
    KUBERNETES_SERVICE_PORT: pod.port,
  };
  return startProcess({
    name,
    command: 'unshare',
    args: ['--mount', '--propagation', 'private', 'sh', '-c', script],
    logFile,
    env,
  });
}
