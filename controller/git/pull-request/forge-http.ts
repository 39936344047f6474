// JSON over HTTP for the forge clients: one undici Dispatcher passed in, timeouts, no redirects
// (the token never travels to another origin), every response body checked with a zod schema.
// Every call that changes something on the forge (any method but GET) asks the leader-election
// write fence first and is cut off when it closes, exactly like `git push` (http-client.ts).
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { ForgeError } from './types.ts';

/** How a forge client reaches its API. */
export interface ForgeHttpOptions {
  /** The shared undici Dispatcher; never closed here. */
  dispatcher: Dispatcher;
  /** Time to wait for a response. Default 30 s. */
  timeoutMs?: number;
  /**
   * Asked before every write (POST, PATCH, PUT, DELETE) and cuts it off when it closes: the
   * `WriteFence` of the leadership Lease (kube/write-fence.ts; refusal code `FENCED`). Default none.
   */
  fence?: { check(what: string): void; readonly signal: AbortSignal } | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Sends one request and parses its JSON answer with `schema`; a status outside 2xx is a ForgeError. */
export async function forgeRequest<S extends z.ZodType>(
  http: ForgeHttpOptions,
  request: { method: Dispatcher.HttpMethod; url: string; headers: Record<string, string>; body?: unknown },
  schema: S,
): Promise<z.infer<S>> {
  const url = new URL(request.url);
  const what = `${request.method} ${url.origin}${url.pathname}`;
  const timeout = http.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fence = request.method === 'GET' ? undefined : http.fence;
  // Outside the try: a refusal is the fence's own error (code FENCED), not a retryable ForgeError.
  fence?.check(what);
  let response: Dispatcher.ResponseData;
  try {
    response = await http.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers: {
        'user-agent': 'tagpilot',
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(fence ? { signal: fence.signal } : {}),
    });
  } catch (error) {
    if (fence?.signal.aborted) throw fence.signal.reason;
    throw new ForgeError(`${what}: ${error instanceof Error ? error.message : String(error)}`, {
      retryable: true,
      cause: error,
    });
  }
  const text = await response.body.text();
  const status = response.statusCode;
  if (status < 200 || status > 299) {
    throw new ForgeError(`${what}: HTTP ${status}: ${text.slice(0, 300)}`, {
      retryable: status >= 500 || status === 429,
    });
  }
  const parsed = schema.safeParse(text === '' ? null : JSON.parse(text));
  if (!parsed.success) {
    throw new ForgeError(`${what}: unexpected answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      retryable: false,
    });
  }
  return parsed.data;
}

/** `owner/name` (GitLab: the full project path) and the web origin of a repository's HTTP(S) URL. */
export function repositoryPath(repoUrl: string): {
  origin: string;
  prefix: string;
  owner: string;
  name: string;
} {
  const url = new URL(repoUrl);
  const parts = url.pathname
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(Boolean);
  const name = parts.pop();
  const owner = parts.pop();
  if (!name || !owner)
    throw new ForgeError(`${url.origin}${url.pathname}: not an owner/repository URL`, { retryable: false });
  return { origin: url.origin, prefix: parts.length > 0 ? `/${parts.join('/')}` : '', owner, name };
}
