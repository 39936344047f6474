#!/usr/bin/env -S node --max-semi-space-size=1
// The `tagpilot` command line. Exit codes: 0 ok, 1 a "not ok" verdict, 2 usage or config errors,
// 3 API server, registry or Git errors (see errors.ts).
import { processStreams } from './output.ts';
import { buildProgram, runProgram } from './program.ts';

await runProgram(buildProgram(processStreams()), process.argv);
