#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size
// The `tagpilot` command line. Exit codes: 0 ok, 1 a "not ok" verdict, 2 usage or config errors,
// 3 API server, registry or Git errors (see errors.ts).
//
// @kubernetes/client-node is loaded without its generated API classes (kube/client-node-loading.ts,
// docs/decisions/0008): the hook is registered here, before anything imports the package, and the
// rest of the command line is imported after it (a static import would be linked before it runs).
import { ClientNodeLayoutError, loadClientNodeTrimmed } from '../kube/client-node-loading.ts';

try {
  loadClientNodeTrimmed();
} catch (error) {
  // An installation that does not match this code (exit code 2, like a configuration error).
  if (!(error instanceof ClientNodeLayoutError)) throw error;
  process.stderr.write(`tagpilot: ${error.message}\n`);
  process.exit(2);
}
const [{ processStreams }, { buildProgram, runProgram }] = await Promise.all([
  import('./output.ts'),
  import('./program.ts'),
]);
await runProgram(buildProgram(processStreams()), process.argv);
