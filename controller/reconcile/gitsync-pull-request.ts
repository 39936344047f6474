// The pull-request step of a GitSync whose automation pushes to a review branch with
// `automation.push.pullRequest` set: after the push, make sure one pull request from the review
// branch into the sync branch is open (open it, or update its title and body); when a run finds
// nothing to update but a pull request is still open, it is left open (a person decides) and said
// once. The forge token is the `token` key of `pullRequest.secretRef`, read with the GitSync's
// identity like every other Secret it reads.
import type { GitSync } from '../api/types.ts';
import { AUTOMATION_TRAILER } from '../git/index.ts';
import { createForgeClient, ensurePullRequest, type ForgeHttpOptions } from '../git/pull-request/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { readGitAuth } from '../kube/secrets.ts';
import type { PullRequestOutcome } from './ports.ts';

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
  if (!spec) return undefined;
  if (!branch || branch === syncBranch) {
    const message = `automation.push.pullRequest needs automation.push.branch, a branch other than the sync branch ${syncBranch}; no pull request was opened`;
    return { action: 'failed', branch: branch ?? syncBranch, message };
  }
  if (push !== undefined && (push.commit === undefined || push.branch !== branch)) return undefined;
  const namespace = gitsync.metadata.namespace ?? 'default';
  const auth = await readGitAuth(input.client, namespace, spec.secretRef.name);
  if (!auth.ok) return { action: 'failed', branch, message: auth.message };
  if (!auth.auth || !('token' in auth.auth))
    return {
      action: 'failed',
      branch,
      message: `Secret ${namespace}/${spec.secretRef.name} has no token key`,
    };
  try {
    const forge = createForgeClient(spec.provider, {
      ...input.http,
      repoUrl: input.repoUrl,
      token: auth.auth.token,
    });
    if (push === undefined) {
      const open = await forge.findOpen(branch, syncBranch);
      return open ? { action: 'notNeeded', branch, number: open.number, url: open.url } : undefined;
    }
    const message = withoutTrailer(push.message ?? 'Update images');
    const subject = message.split('\n')[0] ?? 'Update images';
    const content = {
      title: spec.title ?? subject,
      body:
        spec.body ??
        `${message}\n\n---\nOpened by tagpilot for GitSync ${namespace}/${gitsync.metadata.name}: the branch \`${branch}\` is rebuilt on \`${syncBranch}\` when a newer tag appears.`,
      ...(spec.labels ? { labels: spec.labels } : {}),
    };
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

/** The commit message without tagpilot's review-branch trailer. */
function withoutTrailer(message: string): string {
  return message
    .split('\n')
    .filter((line) => !line.startsWith(`${AUTOMATION_TRAILER}:`))
    .join('\n')
    .trim();
}
