// Runs the tagpilot controller as a separate process, the way a user would (`tagpilot controller`),
// against the test stack; its JSON log goes to a file that tests can read.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ManagedProcess, makeTempDir, startProcess, waitFor } from './processes.ts';

const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'controller', 'cli', 'main.ts');

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

/** Starts `tagpilot controller` with the given kubeconfig and extra flags; waits until /readyz is ok. */
export async function startController(options: {
  kubeconfig: string;
  args?: string[];
  name?: string;
  /** Wait for /readyz (default true; a standby replica is ready too). */
  waitReady?: boolean;
}): Promise<ControllerProcess> {
  const dir = makeTempDir(options.name ?? 'controller');
  const logFile = join(dir, 'controller.log');
  const process_ = startProcess({
    name: options.name ?? 'tagpilot-controller',
    command: process.execPath,
    // Started as the image starts it: same Node.js flags, same entry point.
    args: [
      ...imageNodeFlags(),
      cli,
      'controller',
      `--kubeconfig=${options.kubeconfig}`,
      '--http-addr=127.0.0.1:0',
      `--cache-dir=${join(dir, 'cache')}`,
      '--leader-election-namespace=tagpilot-system',
      '--log-level=debug',
      ...(options.args ?? []),
    ],
    logFile,
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
