// Fetches in a worker thread. isomorphic-git parses, hashes and indexes a received pack on the
// thread that called it, and builds the index's fan-out table with 256 passes over every object id
// (GitPackIndex.toBuffer in 1.44): a 50,000-object pack held the event loop for 7-10 s on a busy
// machine, long enough for /healthz to time out and the leadership Lease to lapse. In a worker that
// work runs beside the event loop. HTTP stays here: the worker sends each request to this thread,
// which makes it with the caller's client (its connection pool, timeouts and hooks) and streams the
// response back.
import { Worker } from 'node:worker_threads';
import type { GitHttpResponse, HttpClient } from 'isomorphic-git';

/** What the worker fetches. */
export interface FetchJob {
  dir: string;
  branch: string;
  remote: string;
  headers: Record<string, string>;
  depth?: number;
  relative: boolean;
}

/** Messages from the worker. */
export type ToMain =
  | {
      type: 'request';
      id: number;
      request: { url: string; method: string; headers: Record<string, string>; body: Uint8Array | undefined };
    }
  | { type: 'done'; fetchHead: string | null }
  | {
      type: 'failed';
      error: { name: string; message: string; code: string | undefined; data: unknown };
    };

/** Messages to the worker, about one request. */
export type FromMain =
  | { type: 'head'; id: number; response: Omit<GitHttpResponse, 'body'> }
  | { type: 'chunk'; id: number; chunk: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'error'; id: number; message: string };

const WORKER = new URL('./fetch-worker.ts', import.meta.url);

/**
 * Runs `git.fetch` for `job` in a worker thread with `http` as its transport; resolves with the
 * fetched head (null when the branch is missing). Errors keep isomorphic-git's `code` and `data`;
 * an HTTP failure is rethrown as the error `http` raised.
 */
export async function fetchInWorker(job: FetchJob, http: HttpClient): Promise<{ fetchHead: string | null }> {
  const worker = new Worker(WORKER, { workerData: job });
  let httpFailure: unknown;
  const serve = async (id: number, request: Extract<ToMain, { type: 'request' }>['request']) => {
    try {
      const { body, ...head } = await http.request({
        url: request.url,
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: once(request.body) }),
      });
      worker.postMessage({ type: 'head', id, response: head } satisfies FromMain);
      for await (const chunk of body ?? [])
        worker.postMessage({ type: 'chunk', id, chunk } satisfies FromMain);
      worker.postMessage({ type: 'end', id } satisfies FromMain);
    } catch (error) {
      httpFailure = error;
      const message = error instanceof Error ? error.message : String(error);
      worker.postMessage({ type: 'error', id, message } satisfies FromMain);
    }
  };
  try {
    return await new Promise((resolve, reject) => {
      worker.on('message', (message: ToMain) => {
        if (message.type === 'request') void serve(message.id, message.request);
        else if (message.type === 'done') resolve({ fetchHead: message.fetchHead });
        else reject(httpFailure ?? rebuild(message.error));
      });
      worker.on('error', reject);
      worker.on('exit', (code) =>
        reject(new Error(`the fetch worker exited (code ${code}) without an answer`)),
      );
    });
  } finally {
    await worker.terminate();
  }
}

async function* once(chunk: Uint8Array): AsyncIterableIterator<Uint8Array> {
  yield chunk;
}

function rebuild(error: Extract<ToMain, { type: 'failed' }>['error']): Error {
  return Object.assign(new Error(error.message), {
    name: error.name,
    ...(error.code === undefined ? {} : { code: error.code }),
    data: error.data,
  });
}
