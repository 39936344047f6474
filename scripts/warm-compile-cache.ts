// Fills Node's compile cache (NODE_COMPILE_CACHE) with every module the controller loads, so that
// the controller starts without stripping TypeScript or compiling JavaScript: a process that finds
// every .ts file in the cache never loads the type stripper (a WebAssembly module of its own), which
// is ~20-25 MiB of resident memory and most of the start-up CPU. The image runs this at build time
// (Dockerfile) and test/support/controller-process.ts runs it before it starts a controller, so
// that tests and benches start the controller as the image does.
//
// Run: NODE_COMPILE_CACHE=<dir> node --max-semi-space-size=1 scripts/warm-compile-cache.ts
// The cache is keyed by file path and content: warm it where the controller's files will be.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants, enableCompileCache, flushCompileCache } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadClientNodeTrimmed } from '../controller/kube/client-node-loading.ts';

const ROOT = resolve(import.meta.dirname, '..');
/** The entry point: it runs the command line when imported, so it is warmed by running `--version`. */
const ENTRY = join(ROOT, 'controller', 'cli', 'main.ts');

/** Production modules of controller/ and registry/ (tests and test data are not in the image). */
function productionModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testdata' ? [] : productionModules(path);
    const production = entry.name.endsWith('.ts') && !/\.test(-support)?\.ts$/.test(entry.name);
    return production && path !== ENTRY ? [path] : [];
  });
}

const directory = process.env.NODE_COMPILE_CACHE;
if (!directory) throw new Error('set NODE_COMPILE_CACHE to the directory to fill');
const enabled = enableCompileCache(directory);
if (enabled.status === constants.compileCacheStatus.FAILED) {
  throw new Error(`cannot use the compile cache at ${directory}: ${enabled.message}`);
}
// The controller loads @kubernetes/client-node trimmed; warm the files it actually loads.
loadClientNodeTrimmed();
// Importing a module runs no work (CONVENTIONS: nothing starts on import; the worker modules act
// only with a parentPort), so importing them all compiles them all.
const modules = [
  ...productionModules(join(ROOT, 'controller')),
  ...productionModules(join(ROOT, 'registry')),
];
for (const module of modules) await import(pathToFileURL(module).href);
// ssh2 is loaded on first use (controller/git/ssh2-lazy.ts): load it here so that it is compiled too.
(await import(pathToFileURL(join(ROOT, 'controller', 'git', 'ssh2-lazy.ts')).href)).ssh2();
// openpgp too (controller/git/commit-signing.ts imports it for the first OpenPGP signing key).
await import('openpgp');
flushCompileCache();
execFileSync(process.execPath, [...process.execArgv, ENTRY, '--version'], {
  env: { ...process.env, NODE_COMPILE_CACHE: directory },
  stdio: 'ignore',
});
process.stdout.write(
  `compile cache at ${enabled.directory ?? directory}: ${modules.length + 1} modules of tagpilot\n`,
);
