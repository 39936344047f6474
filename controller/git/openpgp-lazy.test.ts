// openpgp is imported on first use only (README "Memory"): a controller without an OpenPGP signing
// key never has it in memory. Module resolutions are recorded with a resolve hook.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const controller = join(import.meta.dirname, '..');

/** The openpgp module URLs resolved while `script` ran. */
async function openpgpLoadedAfter(script: string): Promise<string[]> {
  const hook = `const seen = []; (await import('node:module')).registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });`;
  const report = `console.log(JSON.stringify(seen.filter((u) => u.includes('/node_modules/openpgp/'))));`;
  const { stdout } = await exec(process.execPath, [
    '--input-type=module',
    '-e',
    `${hook} ${script} ${report}`,
  ]);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('openpgp loading', () => {
  it('importing the controller does not load openpgp', async () => {
    const main = pathToFileURL(join(controller, 'main.ts')).href;
    assert.deepEqual(await openpgpLoadedAfter(`await import(${JSON.stringify(main)});`), []);
  });

  it('loading an OpenPGP signing key loads it', async () => {
    const signing = pathToFileURL(join(controller, 'git', 'commit-signing.ts')).href;
    const script = `const s = await import(${JSON.stringify(signing)}); await s.loadCommitSigner({ format: 'openpgp', privateKey: 'not a key', source: 'test' }).catch(() => undefined);`;
    assert.notDeepEqual(await openpgpLoadedAfter(script), []);
  });
});
