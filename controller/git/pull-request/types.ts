// The pull-request side of a forge, as tagpilot uses it: find the open pull request of a head
// branch, open one, change its title and body. One client per provider (gitea.ts, github.ts,
// gitlab.ts); `ensurePullRequest` (ensure.ts) is the rule on top.

/** The forges whose pull/merge request API tagpilot speaks. */
export type ForgeProvider = 'gitea' | 'github' | 'gitlab';

/** An open pull request (GitLab: merge request; `number` is its iid). */
export interface PullRequest {
  number: number;
  /** The page a person opens (html_url / web_url). */
  url: string;
  title: string;
  body: string;
}

/** What a new pull request says. */
export interface PullRequestContent {
  title: string;
  body: string;
  /** Label names; default none. */
  labels?: readonly string[];
}

/** One forge repository's pull requests. */
export interface ForgeClient {
  readonly provider: ForgeProvider;
  /** The open pull request from `head` into `base`, if any. */
  findOpen(head: string, base: string): Promise<PullRequest | undefined>;
  /** Opens a pull request from `head` into `base`. */
  create(head: string, base: string, content: PullRequestContent): Promise<PullRequest>;
  /** Sets the title and body of pull request `number`. */
  update(number: number, content: { title: string; body: string }): Promise<PullRequest>;
}

/** A forge API call that failed: the status and the start of its body (never the token). */
export class ForgeError extends Error {
  readonly code = 'FORGE_REQUEST_FAILED';
  /** True for a 5xx, 429 or a network error: the next run may succeed. */
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ForgeError';
    this.retryable = options.retryable;
  }
}
