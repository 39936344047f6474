// Gitea's pull-request API (/api/v1/repos/{owner}/{repo}/pulls), token auth. Labels are set by id,
// so their names are looked up in the repository's labels first; an unknown name is left out.
import { z } from 'zod';
import { type ForgeHttpOptions, forgeRequest, repositoryPath } from './forge-http.ts';
import type { ForgeClient, PullRequest, PullRequestContent } from './types.ts';

const pull = z.object({
  number: z.number(),
  html_url: z.string(),
  title: z.string(),
  body: z.string().nullable().optional(),
  head: z.object({ ref: z.string() }),
  base: z.object({ ref: z.string() }),
});
const label = z.object({ id: z.number(), name: z.string() });
/** Open pull requests read per page, and the pages read, before a head branch counts as having none. */
const PAGE_SIZE = 50;
const MAX_PAGES = 10;

/** A Gitea (or Forgejo) client for the repository at `repoUrl`. */
export function giteaClient(options: ForgeHttpOptions & { repoUrl: string; token: string }): ForgeClient {
  const { origin, prefix, owner, name } = repositoryPath(options.repoUrl);
  const base = `${origin}${prefix}/api/v1/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  const headers = { authorization: `token ${options.token}` };
  const toPullRequest = (p: z.infer<typeof pull>): PullRequest => ({
    number: p.number,
    url: p.html_url,
    title: p.title,
    body: p.body ?? '',
  });
  const labelIds = async (names: readonly string[]): Promise<number[]> => {
    if (names.length === 0) return [];
    const all = await forgeRequest(
      options,
      { method: 'GET', url: `${base}/labels?limit=50`, headers },
      z.array(label),
    );
    return all.filter((l) => names.includes(l.name)).map((l) => l.id);
  };
  return {
    provider: 'gitea',
    async findOpen(head, into) {
      for (let page = 1; page <= MAX_PAGES; page++) {
        const url = `${base}/pulls?state=open&limit=${PAGE_SIZE}&page=${page}`;
        const found = await forgeRequest(options, { method: 'GET', url, headers }, z.array(pull));
        const match = found.find((p) => p.head.ref === head && p.base.ref === into);
        if (match) return toPullRequest(match);
        if (found.length < PAGE_SIZE) return undefined;
      }
      return undefined;
    },
    async create(head, into, content: PullRequestContent) {
      const labels = await labelIds(content.labels ?? []);
      const body = {
        head,
        base: into,
        title: content.title,
        body: content.body,
        ...(labels.length ? { labels } : {}),
      };
      return toPullRequest(
        await forgeRequest(options, { method: 'POST', url: `${base}/pulls`, headers, body }, pull),
      );
    },
    async update(number, content) {
      const url = `${base}/pulls/${number}`;
      return toPullRequest(
        await forgeRequest(options, { method: 'PATCH', url, headers, body: content }, pull),
      );
    },
  };
}
