// Reads "a branch was pushed" out of Git forge webhooks: GitHub, GitLab, Gitea (and Gogs, whose
// payload Gitea copied). One schema per shape, only the fields used.
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { header } from './webhook-auth.ts';

/** Who sent a Git push notification. */
export type GitSource = 'github' | 'gitlab' | 'gitea' | 'gogs' | 'unknown';

/** What a Git webhook means for us. */
export type GitEvent =
  | {
      kind: 'push';
      source: GitSource;
      /** Every URL the payload gives for the repository, normalised with normalizeRepoUrl. */
      repositories: string[];
      branch: string;
    }
  | { kind: 'ignored'; source: GitSource; reason: string }
  | { kind: 'invalid'; source: GitSource; message: string };

/** A push event as GitHub, Gitea and Gogs send it. */
const githubPushSchema = z.object({
  ref: z.string(),
  repository: z.object({
    clone_url: z.string().optional(),
    html_url: z.string().optional(),
    ssh_url: z.string().optional(),
    git_url: z.string().optional(),
  }),
});

/** GitLab's "Push Hook". */
const gitlabPushSchema = z.object({
  object_kind: z.string(),
  ref: z.string(),
  project: z
    .object({
      git_http_url: z.string().optional(),
      git_ssh_url: z.string().optional(),
      web_url: z.string().optional(),
    })
    .optional(),
});

/** Interprets a parsed JSON body sent to /hooks/git. */
export function parseGitEvent(headers: IncomingHttpHeaders, body: unknown): GitEvent {
  // Gitea also sends X-GitHub-Event and X-Gogs-Event for compatibility: ask for it first.
  const forges: [GitSource, string][] = [
    ['gitea', 'x-gitea-event'],
    ['gogs', 'x-gogs-event'],
    ['gitlab', 'x-gitlab-event'],
    ['github', 'x-github-event'],
  ];
  for (const [source, name] of forges) {
    const event = header(headers, name);
    if (event === undefined) continue;
    if (source === 'gitlab') return parseGitlab(body);
    if (event !== 'push') return { kind: 'ignored', source, reason: `${name} "${event}"` };
    return parseGithubLike(source, body);
  }
  if (typeof body === 'object' && body !== null && 'object_kind' in body) return parseGitlab(body);
  return parseGithubLike('unknown', body);
}

function parseGithubLike(source: GitSource, body: unknown): GitEvent {
  const parsed = githubPushSchema.safeParse(body);
  if (!parsed.success) return invalid(source, parsed.error);
  const { ref, repository } = parsed.data;
  return push(source, ref, [
    repository.clone_url,
    repository.html_url,
    repository.ssh_url,
    repository.git_url,
  ]);
}

function parseGitlab(body: unknown): GitEvent {
  const parsed = gitlabPushSchema.safeParse(body);
  if (!parsed.success) return invalid('gitlab', parsed.error);
  const { object_kind: kind, ref, project } = parsed.data;
  if (kind !== 'push') return { kind: 'ignored', source: 'gitlab', reason: `object_kind "${kind}"` };
  return push('gitlab', ref, [project?.git_http_url, project?.git_ssh_url, project?.web_url]);
}

function push(source: GitSource, ref: string, urls: (string | undefined)[]): GitEvent {
  if (!ref.startsWith('refs/heads/')) return { kind: 'ignored', source, reason: `${ref} is not a branch` };
  const repositories = [
    ...new Set(
      urls.map((url) => (url ? normalizeRepoUrl(url) : undefined)).filter((url) => url !== undefined),
    ),
  ];
  if (repositories.length === 0)
    return { kind: 'invalid', source, message: 'the payload names no repository URL' };
  return { kind: 'push', source, repositories, branch: ref.slice('refs/heads/'.length) };
}

/**
 * Reduces a repository URL to `host[:port]/path` so that the forms one repository goes by compare
 * equal: scheme, credentials, default ports, a trailing `.git` or `/`, and case are dropped, and
 * `git@host:org/repo` reads like `ssh://git@host/org/repo`. Undefined when it is not a URL.
 */
export function normalizeRepoUrl(url: string): string | undefined {
  const trimmed = url.trim();
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)(.+)$/.exec(trimmed);
  let host: string;
  let path: string;
  if (scp && !trimmed.includes('://')) {
    host = scp[1] ?? '';
    path = scp[2] ?? '';
  } else {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return undefined;
    }
    const defaultPort = { 'ssh:': '22', 'git:': '9418', 'http:': '80', 'https:': '443' }[parsed.protocol];
    host = parsed.port && parsed.port !== defaultPort ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
    path = safeDecode(parsed.pathname);
  }
  path = path
    .replace(/\/+/g, '/')
    .replace(/^\/|\/$/g, '')
    .replace(/\.git$/i, '');
  if (host === '' || path === '') return undefined;
  return `${host}/${path}`.toLowerCase();
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function invalid(source: GitSource, error: z.ZodError): GitEvent {
  const issue = error.issues[0];
  const where = issue?.path.join('.') || '(body)';
  return { kind: 'invalid', source, message: `not a ${source} push event: ${where}: ${issue?.message}` };
}
