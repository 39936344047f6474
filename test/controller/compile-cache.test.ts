// The image fills Node's compile cache at build time (scripts/warm-compile-cache.ts) so that the
// controller never strips TypeScript at run time; the tests start the controller the same way
// (test/support/controller-process.ts). This checks that the filled cache covers every module the
// `tagpilot` process loads: a single miss would load the type stripper again (README "Memory").
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { imageEnv, imageNodeFlags, warmCompileCache } from '../support/controller-process.ts';

const CLI = join(import.meta.dirname, '..', '..', 'controller', 'cli', 'main.ts');

describe('compile cache', () => {
  it('after warm-compile-cache.ts, the controller finds every TypeScript module in the cache', async () => {
    await warmCompileCache();
    const env = { ...process.env, ...imageEnv(), NODE_DEBUG_NATIVE: 'COMPILE_CACHE' };
    // With a kubeconfig that does not exist the controller loads all of its modules, then exits 2.
    const run = promisify(execFile)(
      process.execPath,
      [...imageNodeFlags(), CLI, 'controller', '--kubeconfig=/nonexistent'],
      {
        env,
      },
    );
    const { stderr } = await run.catch((error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2, error.stderr);
      return error;
    });
    assert.match(stderr, /cannot load \/nonexistent/);
    const lookups = stderr
      .split('\n')
      .filter((line) => line.includes('transpile cache for StrippedTypeScript'));
    assert.ok(
      lookups.length > 5,
      `expected lookups of the TypeScript modules, got:\n${stderr.slice(0, 2000)}`,
    );
    const misses = lookups.filter((line) => !line.endsWith('success'));
    assert.deepEqual(misses, []);
  });
});
