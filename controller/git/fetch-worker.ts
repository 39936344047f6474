// The worker side of `fetchInWorker` (fetch-in-worker.ts): runs one isomorphic-git fetch on the
// working copy's directory, with an HTTP client that asks the main thread to make each request.
// Only the CPU-heavy part (parsing and indexing the pack) moves here; connections, timeouts,
// credentials and metrics stay with the main thread's client.
import * as fs from 'node:fs';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import git, { type GitHttpRequest, type GitHttpResponse, type HttpClient } from 'isomorphic-git';
import type { FetchJob, FromMain, ToMain } from './fetch-in-worker.ts';
import { syncBackedFs } from './sync-fs.ts';

/** Response bodies arrive as messages; isomorphic-git reads them as an async iterator. */
function bodyQueue() {
  const chunks: Uint8Array[] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const iterator = (async function* () {
    while (true) {
      const chunk = chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  })();
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    iterator,
    push(chunk: Uint8Array) {
      chunks.push(chunk);
      notify();
    },
    end() {
      done = true;
      notify();
    },
    fail(error: Error) {
      failure = error;
      notify();
    },
  };
}

function bridgedHttp(port: MessagePort): HttpClient {
  let nextId = 0;
  const pending = new Map<
    number,
    {
      head: { resolve: (r: GitHttpResponse) => void; reject: (e: Error) => void };
      body: ReturnType<typeof bodyQueue>;
    }
  >();
  port.on('message', (message: FromMain) => {
    const request = pending.get(message.id);
    if (!request) return;
    if (message.type === 'head') {
      request.head.resolve({ ...message.response, body: request.body.iterator });
    } else if (message.type === 'chunk') {
      request.body.push(message.chunk);
    } else if (message.type === 'end') {
      request.body.end();
      pending.delete(message.id);
    } else {
      const error = Object.assign(new Error(message.message), { code: 'BridgedHttpError' });
      request.head.reject(error);
      request.body.fail(error);
      pending.delete(message.id);
    }
  });
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const chunks: Uint8Array[] = [];
      for await (const chunk of request.body ?? []) chunks.push(chunk);
      const id = nextId++;
      const response = new Promise<GitHttpResponse>((resolve, reject) => {
        pending.set(id, { head: { resolve, reject }, body: bodyQueue() });
      });
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
      port.postMessage({
        type: 'request',
        id,
        request: { url: request.url, method: request.method ?? 'GET', headers: request.headers ?? {}, body },
      } satisfies ToMain);
      return response;
    },
  };
}

async function run(job: FetchJob, port: MessagePort): Promise<void> {
  try {
    const result = await git.fetch({
      fs: syncBackedFs(fs),
      http: bridgedHttp(port),
      dir: job.dir,
      ref: job.branch,
      remote: job.remote,
      remoteRef: job.branch,
      singleBranch: true,
      tags: false,
      headers: job.headers,
      ...(job.depth === undefined ? {} : { depth: job.depth, relative: job.relative }),
    });
    port.postMessage({ type: 'done', fetchHead: result.fetchHead } satisfies ToMain);
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown; code?: unknown; data?: unknown };
    port.postMessage({
      type: 'failed',
      error: {
        name: String(e.name ?? 'Error'),
        message: String(e.message ?? error),
        code: typeof e.code === 'string' ? e.code : undefined,
        data: JSON.parse(JSON.stringify(e.data ?? null)) as unknown,
      },
    } satisfies ToMain);
  }
}

// Everything goes over parentPort: its messages reach the main thread before the worker's 'exit'.
if (parentPort) await run(workerData as FetchJob, parentPort);
