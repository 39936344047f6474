// The automation step of a GitSync reconcile: run image automation on the head's manifests, tell
// people what was skipped (once per change of the list), record the pushed commit, and sync it at
// once when it went to the synced branch. Returns the status fields it changed.

import { syncEnabled, syncPaths } from '../api/defaults.ts';
import type { BranchPullRequestStatus, GitSync, GitSyncStatus, ImagePolicy } from '../api/types.ts';
import type { Decision } from '../automation/plan-updates.ts';
import type { HeadCommit } from '../git/index.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import type { Metrics } from '../metrics.ts';
import type { GitSyncState } from './gitsync-state.ts';
import { type SyncStepContext, syncStep } from './gitsync-sync-step.ts';
import { recordEventAbout } from './object-events.ts';
import type { AutomationOutcome, AutomationPush, BranchPullRequestOutcome, EventSink } from './ports.ts';
import { describeSkippedUpdates } from './skipped-updates.ts';

/** What the automation step needs besides the GitSync and its state. */
export interface AutomationStepContext extends SyncStepContext {
  events: EventSink;
  metrics?: Metrics | undefined;
  policies: readonly ImagePolicy[];
  impersonate: Impersonation | undefined;
}

/** Runs automation on `head`; failures become an AutomationFailed Event, never a thrown error. */
export async function automationStep(
  gitsync: GitSync,
  state: GitSyncState,
  head: HeadCommit,
  context: AutomationStepContext,
): Promise<GitSyncStatus> {
  try {
    const files = (await state.repo.readFiles(syncPaths(gitsync.spec))) ?? [];
    const run = await state.repo.automate({
      gitsync,
      files,
      policies: context.policies,
      impersonate: context.impersonate,
      confineTo: context.confineTo,
    });
    const status: GitSyncStatus = {
      automatedWorkloads: run.plan.automatedWorkloads,
      imagePolicyRefs: { commit: head.oid, policies: run.referencedPolicies },
    };
    await reportProblems(gitsync, state, run, context.events);
    const committed =
      run.push?.pushed && run.push.commit ? await pushed(gitsync, state, run.push, context) : {};
    for (const branch of run.branches ?? []) {
      if ('error' in branch) {
        context.log.warn({ branch: branch.branch, err: branch.error }, 'push to per-image branch failed');
        continue;
      }
      if (branch.push.pushed && branch.push.commit)
        Object.assign(committed, await pushed(gitsync, state, branch.push, context));
    }
    return {
      ...status,
      ...committed,
      ...(await reportPullRequest(gitsync, state, run, context)),
      ...(await reportBranchPullRequests(gitsync, state, run, context)),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.log.warn({ err: message, commit: head.oid }, 'automation failed');
    await recordEventAbout(context.events, gitsync, {
      type: 'Warning',
      reason: 'AutomationFailed',
      action: 'Automate',
      note: message,
    });
    return {};
  }
}

/** A commit was pushed: count it, say so, and sync it now when it is on the synced branch. */
async function pushed(
  gitsync: GitSync,
  state: GitSyncState,
  push: AutomationPush,
  context: AutomationStepContext,
): Promise<GitSyncStatus> {
  if (!push.commit) return {};
  const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
  context.log.info(
    { commit: push.commit, branch: push.branch, changes: push.changes.length },
    'pushed automated commit',
  );
  context.metrics?.commits.inc({ gitsync: key });
  if (push.retries > 0) context.metrics?.pushRetries.inc({ gitsync: key }, push.retries);
  await recordEventAbout(context.events, gitsync, {
    type: 'Normal',
    reason: 'AutomatedCommit',
    action: 'Automate',
    note: `${push.commit.slice(0, 7)} ${push.message ?? ''}`.trim(),
  });
  const status: GitSyncStatus = { lastAutomationCommit: push.commit };
  if (push.branch !== state.branch || !syncEnabled(gitsync)) return status;
  // Sync the automated commit now instead of waiting for the next poll.
  const next = await state.repo.refresh();
  const synced = await syncStep(gitsync, state, next, context);
  return { ...status, ...synced.status };
}

/**
 * The review branch's pull request: PullRequestOpened / PullRequestUpdated with its URL; a pull
 * request left open though nothing needs updating any more is said once (PullRequestNotNeeded; it
 * is never closed by tagpilot); a failure is a PullRequestFailed Warning, said again only when its
 * message changes (the next run tries again).
 */
async function reportPullRequest(
  gitsync: GitSync,
  state: GitSyncState,
  run: AutomationOutcome,
  context: AutomationStepContext,
): Promise<GitSyncStatus> {
  const outcome = run.pullRequest;
  if (!outcome) return {};
  if (outcome.action === 'failed') {
    const note = `pull request from ${outcome.branch}: ${outcome.message}`;
    if (state.reportedPullRequest === note) return {};
    state.reportedPullRequest = note;
    context.log.warn({ branch: outcome.branch, err: outcome.message }, 'pull request failed');
    await recordEventAbout(context.events, gitsync, {
      type: 'Warning',
      reason: 'PullRequestFailed',
      action: 'Automate',
      note,
    });
    return {};
  }
  const status: GitSyncStatus = {
    pullRequest: { number: outcome.number, url: outcome.url, branch: outcome.branch },
  };
  const reasons = {
    opened: 'PullRequestOpened',
    updated: 'PullRequestUpdated',
    notNeeded: 'PullRequestNotNeeded',
  } as const;
  if (outcome.action === 'unchanged') return status;
  const note =
    outcome.action === 'notNeeded'
      ? `#${outcome.number} ${outcome.url}: the sync branch needs no image update any more; the pull request is left open (merge or close it)`
      : `#${outcome.number} ${outcome.url} (${outcome.branch} into ${state.branch})`;
  if (outcome.action === 'notNeeded' && state.reportedPullRequest === note) return status;
  state.reportedPullRequest = note;
  context.log.info({ branch: outcome.branch, url: outcome.url, action: outcome.action }, 'pull request');
  await recordEventAbout(context.events, gitsync, {
    type: 'Normal',
    reason: reasons[outcome.action],
    action: 'Automate',
    note,
  });
  return status;
}

/**
 * Per-image branches (`{{policy}}`): `status.pullRequests` is rewritten from this run's outcomes
 * (one entry per branch whose update the sync branch still needs); the Events are those of
 * `reportPullRequest`, said once per branch and note. A branch no longer needed loses its entry; its
 * pull request, when still open, is left open and PullRequestNotNeeded says so.
 */
async function reportBranchPullRequests(
  gitsync: GitSync,
  state: GitSyncState,
  run: AutomationOutcome,
  context: AutomationStepContext,
): Promise<GitSyncStatus> {
  if (!run.pullRequests) {
    // The template (or pullRequest) was taken out of the spec: its entries no longer mean anything.
    return gitsync.status?.pullRequests?.length ? { pullRequests: [] } : {};
  }
  state.reportedBranchPullRequests ??= new Map();
  const said = state.reportedBranchPullRequests;
  const previous = new Map((gitsync.status?.pullRequests ?? []).map((entry) => [entry.branch, entry]));
  const entries: BranchPullRequestStatus[] = [];
  for (const outcome of run.pullRequests) {
    const about = { branch: outcome.branch, policy: outcome.policy, image: outcome.image };
    const event = branchEvent(outcome, state.branch);
    if (outcome.action === 'failed') {
      const before = previous.get(outcome.branch);
      entries.push({
        ...about,
        state: 'Failed',
        message: outcome.message,
        ...(before?.number !== undefined ? { number: before.number } : {}),
        ...(before?.url !== undefined ? { url: before.url } : {}),
      });
    } else if (outcome.action !== 'notNeeded') {
      entries.push({ ...about, state: 'Open', number: outcome.number, url: outcome.url });
    }
    if (!event || said.get(outcome.branch) === event.note) continue;
    // Opened/Updated are said every time they happen; failures and notNeeded once per note.
    if (event.once) said.set(outcome.branch, event.note);
    else said.delete(outcome.branch);
    context.log.info({ branch: outcome.branch, action: outcome.action }, 'pull request');
    await recordEventAbout(context.events, gitsync, {
      type: event.type,
      reason: event.reason,
      action: 'Automate',
      note: event.note,
    });
  }
  return { pullRequests: entries };
}

/** The Event of one per-branch outcome; none for `unchanged`. */
function branchEvent(
  outcome: BranchPullRequestOutcome,
  syncBranch: string,
): { type: 'Normal' | 'Warning'; reason: string; note: string; once: boolean } | undefined {
  if (outcome.action === 'failed')
    return {
      type: 'Warning',
      reason: 'PullRequestFailed',
      note: `pull request from ${outcome.branch} (${outcome.image}): ${outcome.message}`,
      once: true,
    };
  if (outcome.action === 'unchanged') return undefined;
  if (outcome.action === 'notNeeded')
    return {
      type: 'Normal',
      reason: 'PullRequestNotNeeded',
      note: `#${outcome.number} ${outcome.url}: the sync branch needs no update from ${outcome.branch} any more; the pull request is left open (merge or close it)`,
      once: true,
    };
  const reason = outcome.action === 'opened' ? 'PullRequestOpened' : 'PullRequestUpdated';
  return {
    type: 'Normal',
    reason,
    note: `#${outcome.number} ${outcome.url} (${outcome.branch} into ${syncBranch}: ${outcome.image})`,
    once: false,
  };
}

/** One AutomationSkipped Warning per problem, raised again only when the list of problems changed. */
async function reportProblems(
  gitsync: GitSync,
  state: GitSyncState,
  run: AutomationOutcome,
  events: EventSink,
): Promise<void> {
  const problems = run.plan.decisions
    .filter((d) => !['Update', 'UpToDate', 'NoFilter'].includes(d.outcome))
    .map(describeDecision)
    .concat(run.credentialProblems)
    // Decided updates that could not be written (an alias, a block scalar): say so, never silence.
    .concat(describeSkippedUpdates(run.push?.unapplied ?? []))
    .concat(
      (run.branches ?? []).flatMap((b) =>
        'error' in b ? [`push to ${b.branch}: ${b.error}`] : describeSkippedUpdates(b.push.unapplied),
      ),
    );
  const signature = problems.join('\n');
  if (signature === state.reportedProblems) return;
  state.reportedProblems = signature;
  for (const problem of problems) {
    await recordEventAbout(events, gitsync, {
      type: 'Warning',
      reason: 'AutomationSkipped',
      action: 'Automate',
      note: problem,
    });
  }
}

function describeDecision(d: Decision): string {
  const subject = d.workload
    ? `${d.workload.kind} ${d.workload.namespace ? `${d.workload.namespace}/` : ''}${d.workload.name} container ${d.container}`
    : `marker ${d.marker?.namespace}:${d.marker?.name} in ${d.path}`;
  return `${subject}: ${d.outcome}: ${d.message}`;
}
