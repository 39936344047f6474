// The controller runs with the same Node.js flags wherever it starts: the container image
// (Dockerfile ENTRYPOINT), the `tagpilot` command (its shebang) and the tests' controller processes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { imageEnv, imageNodeFlags } from '../support/controller-process.ts';

describe('Node.js flags of the controller', () => {
  it('the image keeps the young generation small', () => {
    assert.deepEqual(imageNodeFlags(), ['--max-semi-space-size=1', '--optimize-for-size']);
  });

  it('the tagpilot shebang passes the same flags', () => {
    const main = readFileSync(join(import.meta.dirname, '..', '..', 'controller', 'cli', 'main.ts'), 'utf8');
    const shebang = main.split('\n')[0] ?? '';
    assert.equal(shebang, `#!/usr/bin/env -S node ${imageNodeFlags().join(' ')}`);
  });

  it('the image sets its malloc arena cap, which the tests start the controller with too', () => {
    assert.equal(imageEnv().MALLOC_ARENA_MAX, '2');
  });

  it('the image has glibc give freed memory back from 128 KiB free at the top of the heap, as the tests do', () => {
    assert.equal(imageEnv().MALLOC_TRIM_THRESHOLD_, '131072');
  });

  it('the image fills its compile cache with the same flags, and the tests use one of their own', () => {
    const dockerfile = readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8');
    const warm = /^RUN\s+(\[.*"scripts\/warm-compile-cache\.ts"\])\s*$/m.exec(dockerfile)?.[1];
    assert.ok(warm, 'the Dockerfile runs scripts/warm-compile-cache.ts');
    assert.deepEqual(JSON.parse(warm), ['node', ...imageNodeFlags(), 'scripts/warm-compile-cache.ts']);
    assert.match(dockerfile, /^ENV NODE_COMPILE_CACHE=\/app\//m);
    assert.match(
      imageEnv().NODE_COMPILE_CACHE ?? '',
      /node_modules\/\.cache\/tagpilot-compile-cache\/[0-9a-f]{16}$/,
    );
  });
});
