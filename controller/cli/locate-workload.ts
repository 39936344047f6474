// Finding the repository that holds a `--workload`: the GitSync named with --gitsync, or whichever
// GitSync in scope has it. Not found anywhere is a UsageError listing the workloads that exist.
import type { Workload } from '../manifests/index.ts';
import { describeError, RemoteError, UsageError } from './errors.ts';
import { gitSyncKey } from './gitsyncs.ts';
import type { KubeContext } from './kube-context.ts';
import {
  openGitSyncRepository,
  type RepoContext,
  type RepoWorkloads,
  readWorkloads,
} from './repo-context.ts';
import { gitSyncsInScope } from './repo-scope.ts';
import { findWorkload, matchWorkloads, type WorkloadSelector, workloadId } from './workload-ref.ts';

/** An open repository and the workload found in it; the caller closes `context`. */
export interface LocatedWorkload {
  context: RepoContext;
  found: RepoWorkloads;
  workload: Workload;
}

/** Opens the repository that has the workload. */
export async function locateWorkload(options: {
  kube: KubeContext;
  gitsync: string | undefined;
  selector: WorkloadSelector;
  cacheDir: string;
}): Promise<LocatedWorkload> {
  const { kube, selector } = options;
  const gitsyncs = await gitSyncsInScope(kube, options.gitsync);
  const hits: { context: RepoContext; found: RepoWorkloads }[] = [];
  const known: string[] = [];
  const failures: string[] = [];
  for (const gitsync of gitsyncs) {
    let context: RepoContext;
    try {
      context = await openGitSyncRepository({ client: kube.client, gitsync, cacheDir: options.cacheDir });
    } catch (error) {
      if (options.gitsync !== undefined) throw error;
      failures.push(`${gitSyncKey(gitsync)}: ${describeError(error)}`);
      continue;
    }
    const found = await readWorkloads(context).catch(async (error: unknown) => {
      await context.close();
      throw error;
    });
    if (matchWorkloads(found.workloads, selector, context.targetNamespace).length > 0) {
      hits.push({ context, found });
      continue;
    }
    for (const workload of found.workloads) known.push(workloadId(workload, context.targetNamespace));
    await context.close();
  }
  const [hit] = hits;
  if (hit && hits.length === 1) {
    const where = `GitSync ${gitSyncKey(hit.context.gitsync)}`;
    try {
      const workload = findWorkload(hit.found.workloads, selector, {
        targetNamespace: hit.context.targetNamespace,
        where,
      });
      return { ...hit, workload };
    } catch (error) {
      await hit.context.close();
      throw error;
    }
  }
  await Promise.all(hits.map((h) => h.context.close()));
  if (hits.length > 1) {
    const keys = hits.map((h) => gitSyncKey(h.context.gitsync)).join(', ');
    throw new UsageError(
      `--workload ${selector.text} is in several GitSyncs (${keys}); name one with --gitsync`,
    );
  }
  const where = options.gitsync
    ? `GitSync ${options.gitsync}`
    : `any GitSync (${gitsyncs.map(gitSyncKey).join(', ') || 'none'})`;
  const list = known.length === 0 ? 'no workloads found' : `workloads: ${[...new Set(known)].join(', ')}`;
  if (failures.length > 0) {
    throw new RemoteError(
      `no workload ${selector.text} in ${where} (${list}); could not read ${failures.join('; ')}`,
    );
  }
  throw new UsageError(`no workload ${selector.text} in ${where} (${list})`);
}
