// The pull-request rule: one open pull request per head branch. A push to the head branch updates
// the pull request that is open for it (same branch, new commit); its title and body are set again
// only when they changed; a second one is never opened.
import type { ForgeClient, PullRequest, PullRequestContent } from './types.ts';

/** What `ensurePullRequest` did. */
export type EnsuredPullRequest =
  /** None was open: this one was opened. */
  | { action: 'opened'; pullRequest: PullRequest }
  /** One was open; its title or body was changed, or its branch got a new commit (`pushed`). */
  | { action: 'updated'; pullRequest: PullRequest }
  /** One was open and already said this; its branch did not move. */
  | { action: 'unchanged'; pullRequest: PullRequest };

/** Opens a pull request from `head` into `base` unless one is open; keeps its title and body current. */
export async function ensurePullRequest(
  forge: ForgeClient,
  request: { head: string; base: string; content: PullRequestContent; pushed: boolean },
): Promise<EnsuredPullRequest> {
  const { head, base, content } = request;
  const open = await forge.findOpen(head, base);
  if (!open) return { action: 'opened', pullRequest: await forge.create(head, base, content) };
  if (open.title !== content.title || open.body.trim() !== content.body.trim()) {
    const updated = await forge.update(open.number, { title: content.title, body: content.body });
    return { action: 'updated', pullRequest: updated };
  }
  return { action: request.pushed ? 'updated' : 'unchanged', pullRequest: open };
}
