// Whose commits are on a review branch (`automation.push.branch` other than the sync branch), and
// so whether tagpilot may rebuild it or must build on top of it.
//
// The rule: a commit is tagpilot's when its message ends with the trailer `Tagpilot-Automation: true`
// AND its committer is the automation identity (`automation.commit.authorName`/`authorEmail`). Git
// sets the committer on every amend, cherry-pick and rebase, so a commit a person touched is theirs
// even when it keeps the trailer. The branch may be force-updated only when every commit on it that
// is not in the sync branch's history is tagpilot's; otherwise tagpilot commits on top of its head
// (a fast-forward), and never overwrites it. A commit that the shallow working copy does not reach is
// looked for in up to 500 more commits of the sync branch (once per commit); when in doubt (still not
// found, a commit that cannot be read) it counts as someone else's.
import type { Repository } from './repository.ts';
import type { CommitAuthor } from './types.ts';

/** The trailer key that marks tagpilot's commits on a review branch. */
export const AUTOMATION_TRAILER = 'Tagpilot-Automation';
const TRAILER_LINE = `${AUTOMATION_TRAILER}: true`;
/** How many commits on a review branch are examined before it counts as someone else's. */
const MAX_WALK = 100;
/** How many more commits of the sync branch a shallow copy fetches to find a review branch's base. */
const DEEPEN_COMMITS = 500;

/** What is on the remote review branch, and so how tagpilot may write it. */
export type ReviewBranchState =
  /** The branch does not exist: create it. */
  | { kind: 'missing' }
  /** Only tagpilot's commits on top of the sync branch's history: it may be rebuilt (force-updated). */
  | { kind: 'own'; head: string }
  /** Someone else committed on it (`commit`): only fast-forward from `head`. */
  | { kind: 'shared'; head: string; commit: string };

/** The message with the automation trailer appended (once) as its last paragraph. */
export function withAutomationTrailer(message: string): string {
  const body = message.trimEnd();
  if (hasAutomationTrailer(body)) return `${body}\n`;
  const lastIsTrailers = body.includes('\n\n') && lastParagraph(body).every((line) => /^[\w-]+: /.test(line));
  return `${body}${lastIsTrailers ? '\n' : '\n\n'}${TRAILER_LINE}\n`;
}

/** True when the last paragraph of `message` carries `Tagpilot-Automation: true`. */
export function hasAutomationTrailer(message: string): boolean {
  return lastParagraph(message.trimEnd()).some((line) => line.trim() === TRAILER_LINE);
}

function lastParagraph(body: string): string[] {
  const start = body.lastIndexOf('\n\n');
  return (start === -1 ? body : body.slice(start + 2)).split('\n');
}

/** Reads the remote review branch and classifies it (see the rule at the top of this file). */
export async function inspectReviewBranch(
  repo: Repository,
  branch: string,
  identity: CommitAuthor,
): Promise<ReviewBranchState> {
  const head = await repo.fetchOtherBranch(branch);
  if (head === undefined) return { kind: 'missing' };
  let oid = head;
  for (let seen = 0; seen < MAX_WALK; seen++) {
    if (await repo.isInHistory(oid)) return { kind: 'own', head };
    const commit = await repo.readCommitInfo(oid).catch(() => undefined);
    const parent = commit?.parents[0];
    const ours =
      commit !== undefined &&
      commit.parents.length === 1 &&
      hasAutomationTrailer(commit.message) &&
      commit.committer.name === identity.name &&
      commit.committer.email === identity.email;
    if (!ours || parent === undefined) {
      // Perhaps an older commit of the sync branch that the shallow copy does not reach yet.
      if (await repo.isInDeepHistory(oid, DEEPEN_COMMITS)) return { kind: 'own', head };
      return { kind: 'shared', head, commit: oid };
    }
    oid = parent;
  }
  return { kind: 'shared', head, commit: oid };
}
