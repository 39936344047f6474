// `tagpilot status [gitsync]`: every GitSync (or one) with its repository, synced commit,
// conditions and last automation commit, and a verdict line like `nomos status`. Exit 1 when any
// GitSync is not ready.

import { Command } from 'commander';
import { findCondition } from '../../api/conditions.ts';
import { syncBranch, syncPathText } from '../../api/defaults.ts';
import type { BranchPullRequestStatus, Condition, GitSync } from '../../api/types.ts';
import { EXIT, runAction } from '../errors.ts';
import { addGlobalOptions, type GlobalOptions } from '../flags.ts';
import { gitSyncsInScope } from '../gitsyncs.ts';
import { withKube } from '../kube-context.ts';
import { formatTable, printResult, type Streams, shortSha } from '../output.ts';
import { shortImage, type WorkloadRollout, workloadRollouts } from '../workload-rollouts.ts';

/** The conditions `status` shows, in column order. */
export const STATUS_CONDITIONS = ['Ready', 'Synced', 'Healthy', 'DriftDetected', 'DriftFight'] as const;

/** One condition as `status -o json` reports it. */
export interface ConditionView {
  status: Condition['status'];
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** One GitSync as `status -o json` reports it. */
export interface GitSyncView {
  namespace: string;
  name: string;
  url: string;
  branch: string;
  path: string;
  suspended: boolean;
  ready: boolean;
  /** `Reason: message` when not ready. */
  problem?: string;
  lastSyncedCommit?: string;
  lastSyncTime?: string;
  lastAutomationCommit?: string;
  /** The review branch's pull request (`automation.push.pullRequest`), as the last automation run left it. */
  pullRequest?: { number: number; url: string; branch: string };
  /** Per-image review branches (`{{policy}}`): one pull request per branch whose update is still needed. */
  pullRequests?: BranchPullRequestStatus[];
  automatedWorkloads?: number;
  /** Objects the GitSync adopted (they existed without its label), `Kind ns/name`. */
  adopted: { count: number; objects: string[] };
  conditions: Record<string, ConditionView>;
  /** With one GitSync asked for: the rollout of each workload it applied. */
  workloads?: WorkloadRollout[];
}

/** What `status -o json` prints. */
export interface StatusReport {
  gitsyncs: GitSyncView[];
  summary: { total: number; ready: number; notReady: number };
}

/** The `status` command. */
export function statusCommand(streams: Streams): Command {
  const command = new Command('status')
    .description('Show every GitSync (or one): repository, synced commit, conditions, last automation commit')
    .argument('[gitsync]', 'a GitSync name or namespace/name (default: all)');
  addGlobalOptions(command, 'only GitSyncs in this namespace (default: all namespaces)');
  return command.action(
    runAction(streams, 'status', async (ref: string | undefined, options: GlobalOptions) =>
      withKube(options, async (kube) => {
        const gitsyncs = await gitSyncsInScope(kube, ref);
        const report = statusReport(gitsyncs);
        if (ref !== undefined) {
          for (const [i, view] of report.gitsyncs.entries()) {
            view.workloads = await workloadRollouts(kube.client, gitsyncs[i]?.status?.inventory ?? []);
          }
        }
        await printResult(streams, options.output, report, () => statusLines(report, ref !== undefined));
        if (gitsyncs.length === 0) {
          streams.stderr.write(
            `no GitSyncs found${kube.namespace ? ` in namespace ${kube.namespace}` : ''}\n`,
          );
        }
        return report.summary.notReady > 0 ? EXIT.NOT_OK : EXIT.OK;
      }),
    ),
  );
}

/** The report for a list of GitSyncs. */
export function statusReport(gitsyncs: readonly GitSync[]): StatusReport {
  const views = gitsyncs.map(viewOf);
  const ready = views.filter((view) => view.ready).length;
  return { gitsyncs: views, summary: { total: views.length, ready, notReady: views.length - ready } };
}

function viewOf(gitsync: GitSync): GitSyncView {
  const status = gitsync.status ?? {};
  const conditions: Record<string, ConditionView> = {};
  for (const condition of status.conditions ?? []) {
    const { status: value, reason, message, lastTransitionTime } = condition;
    conditions[condition.type] = { status: value, reason, message, lastTransitionTime };
  }
  const problem = problemOf(gitsync);
  return {
    namespace: gitsync.metadata.namespace ?? 'default',
    name: gitsync.metadata.name,
    url: gitsync.spec.url,
    branch: syncBranch(gitsync.spec),
    path: syncPathText(gitsync.spec),
    suspended: gitsync.spec.suspend === true,
    ready: problem === undefined,
    ...(problem !== undefined ? { problem } : {}),
    ...(status.lastSyncedCommit ? { lastSyncedCommit: status.lastSyncedCommit } : {}),
    ...(status.lastSyncTime ? { lastSyncTime: status.lastSyncTime } : {}),
    ...(status.lastAutomationCommit ? { lastAutomationCommit: status.lastAutomationCommit } : {}),
    ...(status.pullRequest ? { pullRequest: status.pullRequest } : {}),
    ...(status.pullRequests?.length ? { pullRequests: status.pullRequests } : {}),
    ...(status.automatedWorkloads !== undefined ? { automatedWorkloads: status.automatedWorkloads } : {}),
    adopted: { count: status.adopted?.length ?? 0, objects: (status.adopted ?? []).map((a) => a.object) },
    conditions,
  };
}

/** `pull request #3 from tagpilot/flask (registry/flask:v2): <url>`, or what failed. */
export function branchPullRequestLine(entry: BranchPullRequestStatus): string {
  const what = `${entry.branch}${entry.image ? ` (${entry.image})` : ''}`;
  if (entry.state === 'Failed') {
    const last = entry.number !== undefined ? ` (open: #${entry.number} ${entry.url ?? ''})` : '';
    return `pull request from ${what} failed: ${entry.message ?? 'unknown'}${last}`;
  }
  return `pull request #${entry.number ?? '?'} from ${what}: ${entry.url ?? ''}`;
}

/** Why a GitSync is not ready, or undefined when it is (kstatus rules: suspended and stale count). */
function problemOf(gitsync: GitSync): string | undefined {
  if (gitsync.spec.suspend) return 'Suspended: spec.suspend is true';
  const ready = findCondition(gitsync.status?.conditions, 'Ready');
  if (!ready) return 'NotReconciled: no Ready condition yet (is the controller running?)';
  const { generation } = gitsync.metadata;
  const observed = gitsync.status?.observedGeneration;
  if (generation !== undefined && observed !== undefined && observed < generation) {
    return `Reconciling: status is for generation ${observed}, the spec is at ${generation}`;
  }
  if (ready.status !== 'True') return `${ready.reason}: ${ready.message}`;
  return undefined;
}

/** The table, a condition block when one GitSync was asked for, and the verdict line. */
export function statusLines(report: StatusReport, detailed: boolean): string[] {
  if (report.gitsyncs.length === 0) return [];
  const rows = report.gitsyncs.map((view) => [
    view.namespace,
    view.name,
    ...STATUS_CONDITIONS.map((type) => view.conditions[type]?.status ?? '-'),
    shortSha(view.lastSyncedCommit),
    shortSha(view.lastAutomationCommit),
    view.path === '.' ? view.branch : `${view.branch}:${view.path}`,
    view.url,
  ]);
  const headers = ['NAMESPACE', 'NAME', 'READY', 'SYNCED', 'HEALTHY', 'DRIFT', 'FIGHT', 'COMMIT'];
  const lines = formatTable([...headers, 'AUTOMATION', 'BRANCH', 'URL'], rows);
  if (detailed) for (const view of report.gitsyncs) lines.push('', ...conditionLines(view));
  for (const view of report.gitsyncs) {
    const pr = view.pullRequest;
    if (pr)
      lines.push(
        '',
        `${view.namespace}/${view.name}: pull request #${pr.number} from ${pr.branch}: ${pr.url}`,
      );
    if (view.pullRequests?.length) lines.push('');
    for (const entry of view.pullRequests ?? [])
      lines.push(`${view.namespace}/${view.name}: ${branchPullRequestLine(entry)}`);
  }
  for (const view of report.gitsyncs) {
    if (view.adopted.count === 0) continue;
    lines.push(
      '',
      `${view.namespace}/${view.name}: adopted ${view.adopted.count}: ${view.adopted.objects.join(', ')}`,
    );
  }
  lines.push('', verdictLine(report));
  return lines;
}

function conditionLines(view: GitSyncView): string[] {
  const conditions = Object.entries(view.conditions);
  if (conditions.length === 0) return [`${view.namespace}/${view.name}: no conditions yet`];
  const rows = conditions.map(([type, c]) => [type, c.status, c.reason, c.lastTransitionTime, c.message]);
  const lines = formatTable(['CONDITION', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'], rows);
  if (view.workloads?.length) lines.push('', ...rolloutLines(view.workloads));
  return lines;
}

/** `WORKLOAD  READY  UP-TO-DATE  IMAGES` rows, like `kubectl get deploy -o wide` for the GitSync's workloads. */
function rolloutLines(workloads: readonly WorkloadRollout[]): string[] {
  const rows = workloads.map((w) =>
    w.problem
      ? [w.object, '-', '-', w.problem === 'missing' ? '(not found)' : '(not allowed to read)']
      : [w.object, `${w.ready}/${w.desired}`, String(w.updated), w.images.map(shortImage).join(', ')],
  );
  return formatTable(['WORKLOAD', 'READY', 'UP-TO-DATE', 'IMAGES'], rows);
}

/** `2 GitSyncs: 1 ready, 1 not ready (ns/name: Reason: message)`. */
export function verdictLine(report: StatusReport): string {
  const { total, ready, notReady } = report.summary;
  const head = `${total} GitSync${total === 1 ? '' : 's'}: ${ready} ready, ${notReady} not ready`;
  const problems = report.gitsyncs
    .filter((view) => !view.ready)
    .map((view) => `${view.namespace}/${view.name}: ${view.problem}`);
  return problems.length === 0 ? head : `${head} (${problems.join('; ')})`;
}
