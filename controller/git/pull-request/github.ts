// GitHub's pulls REST API (docs.github.com/rest/pulls/pulls), Bearer token. github.com is served by
// api.github.com; GitHub Enterprise Server by <origin>/api/v3. Labels go through the issues API.
import { z } from 'zod';
import { type ForgeHttpOptions, forgeRequest, repositoryPath } from './forge-http.ts';
import type { ForgeClient, PullRequest } from './types.ts';

const pull = z.object({
  number: z.number(),
  html_url: z.string(),
  title: z.string(),
  body: z.string().nullable().optional(),
});

/** A GitHub client for the repository at `repoUrl`. */
export function githubClient(options: ForgeHttpOptions & { repoUrl: string; token: string }): ForgeClient {
  const { origin, owner, name } = repositoryPath(options.repoUrl);
  const api = new URL(origin).hostname === 'github.com' ? 'https://api.github.com' : `${origin}/api/v3`;
  const base = `${api}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  const headers = {
    authorization: `Bearer ${options.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
  };
  const toPullRequest = (p: z.infer<typeof pull>): PullRequest => ({
    number: p.number,
    url: p.html_url,
    title: p.title,
    body: p.body ?? '',
  });
  return {
    provider: 'github',
    async findOpen(head, into) {
      const query = new URLSearchParams({
        state: 'open',
        head: `${owner}:${head}`,
        base: into,
        per_page: '10',
      });
      const found = await forgeRequest(
        options,
        { method: 'GET', url: `${base}/pulls?${query}`, headers },
        z.array(pull),
      );
      return found[0] ? toPullRequest(found[0]) : undefined;
    },
    async create(head, into, content) {
      const body = { title: content.title, head, base: into, body: content.body };
      const created = toPullRequest(
        await forgeRequest(options, { method: 'POST', url: `${base}/pulls`, headers, body }, pull),
      );
      if (content.labels?.length) {
        const url = `${base}/issues/${created.number}/labels`;
        await forgeRequest(
          options,
          { method: 'POST', url, headers, body: { labels: content.labels } },
          z.unknown(),
        );
      }
      return created;
    },
    async update(number, content) {
      const url = `${base}/pulls/${number}`;
      return toPullRequest(
        await forgeRequest(options, { method: 'PATCH', url, headers, body: content }, pull),
      );
    },
  };
}
