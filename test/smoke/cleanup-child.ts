// Started by cleanup.test.ts: brings up a registry and a Git server, prints their pids and temp
// dirs as JSON, then waits to be killed without cleaning up.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startGitServer } from '../support/git-server.ts';
import { startRegistry } from '../support/registry.ts';

const before = new Set(readdirSync(tmpdir()));
await startRegistry({ auth: 'token' });
await startGitServer();
const dirs = readdirSync(tmpdir()).filter((name) => !before.has(name) && name.startsWith('tagpilot-'));
process.stdout.write(`${JSON.stringify({ dirs })}\n`);
setInterval(() => {}, 1000);
