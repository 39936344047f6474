// Pull requests on a forge (Gitea for real in the tests; GitHub and GitLab from their REST docs).

import type { ForgeHttpOptions } from './forge-http.ts';
import { giteaClient } from './gitea.ts';
import { githubClient } from './github.ts';
import { gitlabClient } from './gitlab.ts';
import type { ForgeClient, ForgeProvider } from './types.ts';

export { type EnsuredPullRequest, ensurePullRequest } from './ensure.ts';
export type { ForgeHttpOptions } from './forge-http.ts';
export {
  type ForgeClient,
  ForgeError,
  type ForgeProvider,
  type PullRequest,
  type PullRequestContent,
} from './types.ts';

/** The client of `provider` for the repository at `repoUrl` (its HTTP(S) clone URL). */
export function createForgeClient(
  provider: ForgeProvider,
  options: ForgeHttpOptions & { repoUrl: string; token: string },
): ForgeClient {
  if (provider === 'github') return githubClient(options);
  if (provider === 'gitlab') return gitlabClient(options);
  return giteaClient(options);
}
