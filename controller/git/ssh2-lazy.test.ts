// ssh2 is loaded on first use only (README "Memory"): a controller without SSH GitSyncs never has it in memory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const controller = join(import.meta.dirname, '..');

async function loadedAfter(script: string): Promise<string[]> {
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as string[];
}

const ssh2Files =
  "console.log(JSON.stringify(Object.keys((await import('node:module')).createRequire(import.meta.url).cache).filter((p) => p.includes('/node_modules/ssh2/'))))";

describe('ssh2 loading', () => {
  it('importing the controller does not load ssh2', async () => {
    const main = pathToFileURL(join(controller, 'main.ts')).href;
    assert.deepEqual(await loadedAfter(`await import(${JSON.stringify(main)}); ${ssh2Files}`), []);
  });

  it('parsing a key loads it', async () => {
    const keys = pathToFileURL(join(controller, 'git', 'ssh-keys.ts')).href;
    const script = `const k = await import(${JSON.stringify(keys)}); k.loadIdentity(k.generateIdentity('t').privateKey); ${ssh2Files}`;
    assert.notDeepEqual(await loadedAfter(script), []);
  });
});
