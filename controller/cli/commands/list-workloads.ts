// `tagpilot list-workloads [--gitsync ns/name]`: the workloads in the GitSync's repository (at the
// head of its branch, under its path), one row per container, with the automation annotations.
// Git and YAML code is loaded when the command runs, not for `--help`.
import { Command, Option } from 'commander';
import type { Workload } from '../../manifests/index.ts';
import { runAction } from '../errors.ts';
import { addGlobalOptions, cacheDirFrom, type GlobalOptions } from '../flags.ts';
import { gitSyncKey } from '../gitsyncs.ts';
import { withKube } from '../kube-context.ts';
import { formatTable, printResult, type Streams, truncate } from '../output.ts';
import type { RepoContext } from '../repositories.ts';
import { workloadId, workloadNamespace } from '../workload-ref.ts';

/** The flags of `list-workloads`. */
export type ListWorkloadsOptions = GlobalOptions & { gitsync?: string };

/** The `list-workloads` command. */
export function listWorkloadsCommand(streams: Streams): Command {
  const command = new Command('list-workloads')
    .description("List the workloads in a GitSync's repository: containers, images, automation annotations")
    .addOption(
      new Option('--gitsync <ns/name>', 'the GitSync whose repository is read (default: every GitSync)'),
    );
  addGlobalOptions(command, 'namespace of the GitSync(s) (default: all namespaces)');
  return command.action(
    runAction(streams, 'list-workloads', (options: ListWorkloadsOptions) =>
      runListWorkloads(streams, options),
    ),
  );
}

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
async function runListWorkloads(streams: Streams, options: ListWorkloadsOptions): Promise<number> {
  const { forEachRepository, readWorkloads } = await import('../repositories.ts');
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
