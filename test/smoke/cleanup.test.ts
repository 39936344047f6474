// Killing a test process midway (SIGKILL: no after() hooks run) leaves no server process and
// no temp directory behind: the reaper started by test/support cleans up.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run, waitFor } from '../support/processes.ts';

async function registryProcesses(marker: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'pid,args'], {});
  return stdout.split('\n').filter((line) => line.includes(marker));
}

describe('test stack cleanup', () => {
  it('a SIGKILLed test process leaves no servers or temp dirs behind', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'cleanup-child.ts')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.includes('\n')) resolve(buffer.trim());
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const { dirs } = JSON.parse(line) as { dirs: string[] };
    assert.equal(dirs.length, 2, `expected registry and git temp dirs, got ${dirs.join(', ')}`);
    const paths = dirs.map((name) => join(tmpdir(), name));
    const marker = paths.find((path) => path.includes('registry')) ?? '';
    assert.equal((await registryProcesses(marker)).length, 1, 'the registry is running');

    child.kill('SIGKILL');
    await waitFor(
      'servers and temp dirs to be gone',
      async () => {
        const left = await registryProcesses(marker);
        return left.length === 0 && paths.every((path) => !existsSync(path));
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  });
});
