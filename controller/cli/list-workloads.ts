// Running `list-workloads`: each GitSync's repository in scope, its workloads as rows.
import type { Workload } from '../manifests/index.ts';
import { cacheDirFrom } from './cache-dir.ts';
import { gitSyncKey } from './gitsyncs.ts';
import { withKube } from './kube-context.ts';
import { formatTable, printResult, type Streams, truncate } from './output.ts';
import { type RepoContext, readWorkloads } from './repo-context.ts';
import { forEachRepository } from './repo-scope.ts';
import { workloadId, workloadNamespace } from './workload-ref.ts';
import type { ListWorkloadsOptions } from './workloads-command.ts';

/** One container of one workload, as `list-workloads -o json` prints it. */
export interface WorkloadRow {
  gitsync: string;
  /** `ns:kind/name`, the form `--workload` takes. */
  workload: string;
  namespace: string | null;
  kind: string;
  name: string;
  /** File in the repository. */
  path: string;
  container: string | null;
  init: boolean;
  image: string | null;
  automated: boolean;
  locked: boolean;
  lockedMessage: string | null;
  /** The tag filter annotation (`glob:…`, `semver:…`, `regex:…`). */
  filter: string | null;
  sort: string | null;
  /** `ns/name` of the ImagePolicy the container follows. */
  policy: string | null;
}

/** Runs the command: 0, or 3 when a repository could not be read. */
export async function runListWorkloads(streams: Streams, options: ListWorkloadsOptions): Promise<number> {
  return withKube(options, async (kube) => {
    const { results, exitCode } = await forEachRepository({
      kube,
      gitsync: options.gitsync,
      cacheDir: cacheDirFrom(options.cacheDir, process.env),
      streams,
      command: 'list-workloads',
      step: async (context) => {
        const { workloads, problems } = await readWorkloads(context);
        for (const problem of problems) {
          streams.stderr.write(`warning: ${problem.path}:${problem.line}: ${problem.message}\n`);
        }
        return workloads.flatMap((workload) => workloadRows(context, workload));
      },
    });
    const rows = results.flat();
    await printResult(streams, options.output, rows, () => workloadTable(rows));
    return exitCode;
  });
}

/** The rows of one workload: one per container (one with nulls when it has none). */
export function workloadRows(context: RepoContext, workload: Workload): WorkloadRow[] {
  const base = {
    gitsync: gitSyncKey(context.gitsync),
    workload: workloadId(workload, context.targetNamespace),
    namespace: workloadNamespace(workload, context.targetNamespace) ?? null,
    kind: workload.kind,
    name: workload.name,
    path: workload.path,
    automated: workload.automated,
    locked: workload.locked,
    lockedMessage: workload.lockedMessage ?? null,
  };
  if (workload.containers.length === 0) {
    return [{ ...base, container: null, init: false, image: null, filter: null, sort: null, policy: null }];
  }
  return workload.containers.map((container) => ({
    ...base,
    container: container.name,
    init: container.init,
    image: container.image,
    filter: container.filter ?? null,
    sort: container.sort ?? null,
    policy: container.policyRef
      ? `${container.policyRef.namespace ?? base.namespace ?? 'default'}/${container.policyRef.name}`
      : null,
  }));
}

function workloadTable(rows: readonly WorkloadRow[]): string[] {
  if (rows.length === 0) return ['no workloads found'];
  const many = new Set(rows.map((row) => row.gitsync)).size > 1;
  const headers = ['WORKLOAD', 'CONTAINER', 'IMAGE', 'AUTOMATED', 'LOCKED', 'POLICY'];
  const cells = rows.map((row) => [
    ...(many ? [row.gitsync] : []),
    row.workload,
    row.container === null ? '-' : `${row.container}${row.init ? ' (init)' : ''}`,
    row.image ?? '-',
    row.automated ? 'yes' : 'no',
    row.locked ? (row.lockedMessage ? `yes: ${truncate(row.lockedMessage, 30)}` : 'yes') : 'no',
    policyText(row),
  ]);
  return formatTable(many ? ['GITSYNC', ...headers] : headers, cells);
}

function policyText(row: WorkloadRow): string {
  if (row.policy) return `ImagePolicy ${row.policy}`;
  if (row.filter) return row.sort ? `${row.filter} (sort ${row.sort})` : row.filter;
  return '-';
}
