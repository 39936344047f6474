// ssh2 is loaded on first use: only GitSyncs with SSH URLs (and `tagpilot` commands that make or
// read SSH keys) need it, and having it loaded costs ~3 MB of resident memory in every controller
// (README "Memory"). It is a CommonJS package, so a synchronous require serves synchronous callers.
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

const require = createRequire(import.meta.url);
let loaded: typeof Ssh2 | undefined;

/** The ssh2 package, loaded on the first call. */
export function ssh2(): typeof Ssh2 {
  loaded ??= require('ssh2') as typeof Ssh2;
  return loaded;
}
