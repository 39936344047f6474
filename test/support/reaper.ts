// A watchdog process that outlives a test process by a moment: it reads "pid N" and "dir PATH"
// lines on stdin and, when stdin closes (the test process exited, crashed or was SIGKILLed),
// kills those processes and removes those directories. Started once per test process by
// processes.ts; it ignores SIGINT/SIGTERM so a Ctrl-C on the terminal cannot stop it before it
// has cleaned up.
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const pids = new Set<number>();
const dirs = new Set<string>();

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [verb, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  if (verb === 'pid') pids.add(Number(arg));
  else if (verb === 'unpid') pids.delete(Number(arg));
  else if (verb === 'dir') dirs.add(arg);
  else if (verb === 'undir') dirs.delete(arg);
});
lines.on('close', () => {
  void cleanUp();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function cleanUp(): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while ([...pids].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids) signal(pid, 'SIGKILL');
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
