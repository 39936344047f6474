// Running a read-only step over the repository of every GitSync in scope (or the one named with
// --gitsync). With one GitSync named, its failure is the command's failure; across many, each
// failure is reported on stderr and the others still run.
import type { GitSync } from '../api/types.ts';
import { describeError, EXIT, exitCodeFor } from './errors.ts';
import { gitSyncKey, listGitSyncs, resolveGitSync } from './gitsyncs.ts';
import type { KubeContext } from './kube-context.ts';
import type { Streams } from './output.ts';
import { openGitSyncRepository, type RepoContext } from './repo-context.ts';

/** The results of the GitSyncs that worked, and the exit code the failures call for (0 when none). */
export interface ScopeResult<T> {
  results: T[];
  exitCode: number;
}

/** The GitSync named by `ref`, or every GitSync in `-n` (all namespaces without it). */
export async function gitSyncsInScope(kube: KubeContext, ref: string | undefined): Promise<GitSync[]> {
  return ref ? [await resolveGitSync(kube, ref)] : listGitSyncs(kube.client, kube.namespace);
}

/** Opens each GitSync's repository in turn and runs `step` on it. */
export async function forEachRepository<T>(options: {
  kube: KubeContext;
  gitsync: string | undefined;
  cacheDir: string;
  streams: Streams;
  command: string;
  step: (context: RepoContext) => Promise<T>;
}): Promise<ScopeResult<T>> {
  const gitsyncs = await gitSyncsInScope(options.kube, options.gitsync);
  const results: T[] = [];
  let exitCode: number = EXIT.OK;
  for (const gitsync of gitsyncs) {
    try {
      const context = await openGitSyncRepository({
        client: options.kube.client,
        gitsync,
        cacheDir: options.cacheDir,
      });
      try {
        results.push(await options.step(context));
      } finally {
        await context.close();
      }
    } catch (error) {
      if (options.gitsync !== undefined) throw error;
      options.streams.stderr.write(
        `tagpilot ${options.command}: gitsync ${gitSyncKey(gitsync)}: ${describeError(error)}\n`,
      );
      exitCode = Math.max(exitCode, exitCodeFor(error));
    }
  }
  if (gitsyncs.length === 0) options.streams.stderr.write(`tagpilot ${options.command}: no GitSyncs found\n`);
  return { results, exitCode };
}
