// Starting and stopping the real servers the tests run against: free ports, temp dirs, child
// processes with their output in a log file, and a reaper that cleans all of it up if the test
// process dies without calling stop().
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Directory of the Go-built binaries (scripts/build-binaries.sh); default ~/.cache/tagpilot/bin. */
export function binDir(): string {
  return join(process.env.TAGPILOT_CACHE ?? join(homedir(), '.cache', 'tagpilot'), 'bin');
}

/** Absolute path of a cached binary such as `kube-apiserver`, `etcd`, `registry`, `crane`. */
export function binary(name: string): string {
  return join(binDir(), name);
}

let reaper: ChildProcess | undefined;

function reaperStdin(): NodeJS.WritableStream {
  if (!reaper) {
    reaper = spawn(process.execPath, [join(import.meta.dirname, 'reaper.ts')], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    reaper.unref();
    // The pipe must not keep the test process alive either.
    (reaper.stdin as Socket | null)?.unref();
  }
  if (!reaper.stdin) throw new Error('reaper has no stdin');
  return reaper.stdin;
}

function tellReaper(line: string): void {
  reaperStdin().write(`${line}\n`);
}

/** A fresh temp directory, removed by the reaper if the test process dies first. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tagpilot-${prefix}-`));
  tellReaper(`dir ${dir}`);
  return dir;
}

/** Removes a directory made by makeTempDir. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tellReaper(`undir ${dir}`);
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs?: number; intervalMs?: number; onTimeout?: () => string | Promise<string> } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(options.intervalMs ?? 50);
  }
  const detail =
    (await Promise.resolve(options.onTimeout?.()).catch((error: unknown) => String(error))) ?? '';
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out waiting for ${what}${cause}${detail ? `\n${detail}` : ''}`);
}

/** A server process started by startProcess. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The last lines of the process's output, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Starts a long-running server process with its stdout+stderr going to `logFile`. */
export function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): ManagedProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // Two sources into one file: neither may end it (the other may still write, e.g. sshd's
  // connection children after the listener is gone); it ends once both streams have closed.
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.on('close', () => log.end());
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  tellReaper(`pid ${pid}`);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      tellReaper(`unpid ${pid}`);
      resolve(code);
    });
    child.on('error', () => resolve(-1));
  });
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(options.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(pid, 'SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) {
      killGroup(pid, 'SIGKILL');
      await exited;
    }
  };
  return { name: options.name, pid, logFile: options.logFile, exited, logTail, stop };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Runs a command to completion and returns its output; throws with the output on failure. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; allowFailure?: boolean } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { stdout, stderr, code: code ?? -1 };
      if (code === 0 || options.allowFailure) return resolve(result);
      reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}${stdout}`));
    });
    // A child that exits without reading stdin must not fail the caller with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
