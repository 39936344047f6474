// The pull-request step of a GitSync whose automation pushes to a review branch with
// `automation.push.pullRequest` set: after the push, make sure one pull request from the review
// branch into the sync branch is open (open it, or update its title and body); when a run finds
// nothing to update but a pull request is still open, it is left open (a person decides) and said
// once. The forge token is the `token` key of `pullRequest.secretRef`, read with the GitSync's
// identity like every other Secret it reads. With a per-image branch template (`{{policy}}`),
// `pullRequestsPerBranch` does the same for each branch the run pushed, and finds which branches of
// `status.pullRequests` need no update any more (their pull requests are left open, never closed).
import type { GitSync } from '../api/types.ts';
import { isBranchTemplate, POLICY_PLACEHOLDER } from '../automation/branch-template.ts';
import { AUTOMATION_TRAILER } from '../git/index.ts';
import {
  createForgeClient,
  ensurePullRequest,
  type ForgeClient,
  type ForgeHttpOptions,
} from '../git/pull-request/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { readGitAuth } from '../kube/secrets.ts';
import type { BranchPullRequestOutcome, BranchPushOutcome, PullRequestOutcome } from './ports.ts';

/** What the step needs besides the GitSync. */
export interface PullRequestStepInput {
  gitsync: GitSync;
  /** The repository URL and the sync branch (the pull request's base). */
  repoUrl: string;
  syncBranch: string;
  /** The automation run's push, undefined when there was nothing to update. */
  push:
    | { branch: string; commit: string | undefined; pushed: boolean; message: string | undefined }
    | undefined;
  /** Reads the token Secret (the GitSync's identity). */
  client: KubeClient;
  http: ForgeHttpOptions;
}

/** Opens or updates the review branch's pull request; undefined when the GitSync asks for none. */
export async function pullRequestStep(input: PullRequestStepInput): Promise<PullRequestOutcome | undefined> {
  const { gitsync, push, syncBranch } = input;
  const spec = gitsync.spec.automation?.push?.pullRequest;
  const branch = gitsync.spec.automation?.push?.branch;
  if (!spec || isBranchTemplate(branch)) return undefined;
  if (!branch || branch === syncBranch) {
    const message = `automation.push.pullRequest needs automation.push.branch, a branch other than the sync branch ${syncBranch}; no pull request was opened`;
    return { action: 'failed', branch: branch ?? syncBranch, message };
  }
  if (push !== undefined && (push.commit === undefined || push.branch !== branch)) return undefined;
  const opened = await openForge(input);
  if ('message' in opened) return { action: 'failed', branch, message: opened.message };
  const { forge } = opened;
  try {
    if (push === undefined) {
      const open = await forge.findOpen(branch, syncBranch);
      return open ? { action: 'notNeeded', branch, number: open.number, url: open.url } : undefined;
    }
    const content = contentOf(gitsync, { branch, syncBranch, policy: undefined, message: push.message });
    const done = await ensurePullRequest(forge, {
      head: branch,
      base: syncBranch,
      content,
      pushed: push.pushed,
    });
    const { number, url } = done.pullRequest;
    return { action: done.action, branch, number, url };
  } catch (error) {
    return { action: 'failed', branch, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Input of `pullRequestsPerBranch`. */
export interface PullRequestsPerBranchInput extends Omit<PullRequestStepInput, 'push'> {
  /** The run's per-image branches. */
  branches: readonly BranchPushOutcome[];
}

/**
 * Per-image branches (`{{policy}}`): opens or updates the pull request of every branch the run
 * pushed; for each branch of `status.pullRequests` that had no update this run, a `notNeeded`
 * outcome when its pull request is still open (it is left open), nothing when it was merged or
 * closed. Undefined when the GitSync asks for no pull requests or has no template.
 */
export async function pullRequestsPerBranch(
  input: PullRequestsPerBranchInput,
): Promise<BranchPullRequestOutcome[] | undefined> {
  const { gitsync, syncBranch } = input;
  const spec = gitsync.spec.automation?.push?.pullRequest;
  if (!spec || !isBranchTemplate(gitsync.spec.automation?.push?.branch)) return undefined;
  const current = new Set(input.branches.map((b) => b.branch));
  const gone = (gitsync.status?.pullRequests ?? []).filter((entry) => !current.has(entry.branch));
  const pushed = input.branches.filter(
    (b) => 'error' in b || (b.push.commit !== undefined && b.branch !== syncBranch),
  );
  if (pushed.length === 0 && gone.length === 0) return [];
  const opened = await openForge(input);
  const outcomes: BranchPullRequestOutcome[] = [];
  for (const b of pushed) {
    const about = { branch: b.branch, policy: b.policy, image: b.image };
    if ('error' in b) outcomes.push({ ...about, action: 'failed', message: b.error });
    else if ('message' in opened) outcomes.push({ ...about, action: 'failed', message: opened.message });
    else outcomes.push({ ...about, ...(await ensureFor(opened.forge, input, b.branch, b.policy, b.push)) });
  }
  for (const entry of gone) {
    const about = { branch: entry.branch, policy: entry.policy ?? '', image: entry.image ?? '' };
    if ('message' in opened) continue;
    try {
      const open = await opened.forge.findOpen(entry.branch, syncBranch);
      if (open) outcomes.push({ ...about, action: 'notNeeded', number: open.number, url: open.url });
    } catch {
      // Could not look: the entry goes anyway (the sync branch has the image); nothing to say.
    }
  }
  return outcomes;
}

/** Opens or updates the pull request of one pushed branch. */
async function ensureFor(
  forge: ForgeClient,
  input: Omit<PullRequestStepInput, 'push'>,
  branch: string,
  policy: string,
  push: { pushed: boolean; message: string | undefined },
): Promise<PullRequestOutcome> {
  try {
    const content = contentOf(input.gitsync, {
      branch,
      syncBranch: input.syncBranch,
      policy,
      message: push.message,
    });
    const done = await ensurePullRequest(forge, {
      head: branch,
      base: input.syncBranch,
      content,
      pushed: push.pushed,
    });
    const { number, url } = done.pullRequest;
    return { action: done.action, branch, number, url };
  } catch (error) {
    return { action: 'failed', branch, message: error instanceof Error ? error.message : String(error) };
  }
}

/** The forge client with the token of `pullRequest.secretRef`, or why there is none. */
async function openForge(
  input: Omit<PullRequestStepInput, 'push'>,
): Promise<{ forge: ForgeClient } | { message: string }> {
  const { gitsync } = input;
  const spec = gitsync.spec.automation?.push?.pullRequest;
  if (!spec) return { message: 'no automation.push.pullRequest' };
  const namespace = gitsync.metadata.namespace ?? 'default';
  const auth = await readGitAuth(input.client, namespace, spec.secretRef.name);
  if (!auth.ok) return { message: auth.message };
  if (!auth.auth || !('token' in auth.auth))
    return { message: `Secret ${namespace}/${spec.secretRef.name} has no token key` };
  try {
    return {
      forge: createForgeClient(spec.provider, {
        ...input.http,
        repoUrl: input.repoUrl,
        token: auth.auth.token,
      }),
    };
  } catch (error) {
    return { message: error instanceof Error ? error.message : String(error) };
  }
}

/** Title, body and labels of a pull request; `{{policy}}` in a configured title or body is filled in. */
function contentOf(
  gitsync: GitSync,
  about: { branch: string; syncBranch: string; policy: string | undefined; message: string | undefined },
) {
  const spec = gitsync.spec.automation?.push?.pullRequest;
  const fill = (text: string) =>
    about.policy === undefined ? text : text.split(POLICY_PLACEHOLDER).join(about.policy);
  const message = withoutTrailer(about.message ?? 'Update images');
  const subject = message.split('\n')[0] ?? 'Update images';
  const namespace = gitsync.metadata.namespace ?? 'default';
  return {
    title: spec?.title ? fill(spec.title) : subject,
    body: spec?.body
      ? fill(spec.body)
      : `${message}\n\n---\nOpened by tagpilot for GitSync ${namespace}/${gitsync.metadata.name}: the branch \`${about.branch}\` is rebuilt on \`${about.syncBranch}\` when a newer tag appears.`,
    ...(spec?.labels ? { labels: spec.labels } : {}),
  };
}

/** The commit message without tagpilot's review-branch trailer. */
function withoutTrailer(message: string): string {
  return message
    .split('\n')
    .filter((line) => !line.startsWith(`${AUTOMATION_TRAILER}:`))
    .join('\n')
    .trim();
}
