// A watchdog process that outlives a test process by a moment: it reads "pid N" and "dir PATH"
// lines on stdin and, when stdin closes (the test process exited, crashed or was SIGKILLed),
// kills those processes and removes those directories. Started once per test process by
// processes.ts; it ignores SIGINT/SIGTERM so a Ctrl-C on the terminal cannot stop it before it
// has cleaned up.
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** pid -> its start time (clock ticks since boot, /proc/<pid>/stat field 22) when it was registered. */
const pids = new Map<number, string | undefined>();
const dirs = new Set<string>();

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [verb, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  if (verb === 'pid') pids.set(Number(arg), startTime(Number(arg)));
  else if (verb === 'unpid') pids.delete(Number(arg));
  else if (verb === 'dir') dirs.add(arg);
  else if (verb === 'undir') dirs.delete(arg);
});
lines.on('close', () => {
  void cleanUp();
});

/**
 * When the process started, or undefined when it is gone. PIDs are reused (pid_max wraps within
 * minutes on a busy test machine): a pid whose start time changed belongs to another process now,
 * which must not be killed (an openssl of another test file once died that way mid-write).
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still the process that was registered. */
function ours(pid: number): boolean {
  const registered = pids.get(pid);
  return registered !== undefined && startTime(pid) === registered;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function cleanUp(): Promise<void> {
  const mine = [...pids.keys()].filter(ours);
  for (const pid of mine) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (mine.some((pid) => alive(pid) && ours(pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  for (const pid of mine) if (ours(pid)) signal(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    // Negative pid: the child was started as a process-group leader, take its children too.
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}
