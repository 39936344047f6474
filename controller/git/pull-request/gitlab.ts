// GitLab's merge requests API (docs.gitlab.com/api/merge_requests), PRIVATE-TOKEN auth. The project
// is addressed by its URL-encoded full path (every segment of the repository URL's path: nested
// groups work; a GitLab served under a sub-path does not).
import { z } from 'zod';
import { type ForgeHttpOptions, forgeRequest, repositoryPath } from './forge-http.ts';
import type { ForgeClient, PullRequest } from './types.ts';

const mergeRequest = z.object({
  iid: z.number(),
  web_url: z.string(),
  title: z.string(),
  description: z.string().nullable().optional(),
});

/** A GitLab client for the project at `repoUrl`. */
export function gitlabClient(options: ForgeHttpOptions & { repoUrl: string; token: string }): ForgeClient {
  const { origin, prefix, owner, name } = repositoryPath(options.repoUrl);
  const project = encodeURIComponent(`${prefix.slice(1)}${prefix ? '/' : ''}${owner}/${name}`);
  const base = `${origin}/api/v4/projects/${project}/merge_requests`;
  const headers = { 'private-token': options.token };
  const toPullRequest = (m: z.infer<typeof mergeRequest>): PullRequest => ({
    number: m.iid,
    url: m.web_url,
    title: m.title,
    body: m.description ?? '',
  });
  return {
    provider: 'gitlab',
    async findOpen(head, into) {
      const query = new URLSearchParams({ state: 'opened', source_branch: head, target_branch: into });
      const found = await forgeRequest(
        options,
        { method: 'GET', url: `${base}?${query}`, headers },
        z.array(mergeRequest),
      );
      return found[0] ? toPullRequest(found[0]) : undefined;
    },
    async create(head, into, content) {
      const body = {
        source_branch: head,
        target_branch: into,
        title: content.title,
        description: content.body,
        ...(content.labels?.length ? { labels: content.labels.join(',') } : {}),
      };
      return toPullRequest(
        await forgeRequest(options, { method: 'POST', url: base, headers, body }, mergeRequest),
      );
    },
    async update(number, content) {
      const body = { title: content.title, description: content.body };
      return toPullRequest(
        await forgeRequest(options, { method: 'PUT', url: `${base}/${number}`, headers, body }, mergeRequest),
      );
    },
  };
}
