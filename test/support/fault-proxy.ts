// A small HTTP forwarding proxy in front of the real test registry, for faults a real registry
// does not produce on demand: while a fault is armed, requests matching its method and path get
// the chosen status (and Retry-After); everything else is forwarded unchanged, Host header
// included, so the registry's own links point back at the proxy. Not an imitation of a registry:
// every answer that is not a fault comes from the real one. It also counts what it saw.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { freePort } from './processes.ts';

/** A fault: requests with one of `methods` whose path matches `path` are answered with `status`. */
export interface Fault {
  /** HTTP methods, e.g. ['GET', 'HEAD']. */
  methods: readonly string[];
  /** Matched against the path with query, e.g. /^\/v2\/app\/manifests\/1\.0$/. */
  path: RegExp;
  status: number;
  /** Retry-After header value (seconds or an HTTP date); default none. */
  retryAfter?: string;
  /** A redirect (status 3xx): the Location, given the request's path (e.g. to another origin). */
  location?: (path: string) => string;
}

/** A running proxy. */
export interface FaultProxy {
  /** 127.0.0.1:<port>, the registry host part of image references through the proxy. */
  readonly host: string;
  /** Adds a fault; it stays armed until `disarm`. */
  arm(fault: Fault): void;
  /** Removes every fault. */
  disarm(): void;
  /** Requests seen so far (faulted ones included) with `method`, a path matching `path`, and `status` when given. */
  count(method: string, path: RegExp, status?: number): number;
  stop(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `target` (`http://127.0.0.1:<port>`). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const faults: Fault[] = [];
  const seen: { method: string; path: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const fault = faults.find((f) => f.methods.includes(method) && f.path.test(path));
    if (fault) {
      seen.push({ method, path, status: fault.status });
      req.resume();
      const code = fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE';
      const body = JSON.stringify({ errors: [{ code, message: 'injected fault' }] });
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}),
        ...(fault.location ? { location: fault.location(path) } : {}),
      });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method, path, headers: req.headers },
      (answer) => {
        seen.push({ method, path, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      seen.push({ method, path, status: 502 });
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${port}`,
    arm: (fault) => {
      faults.push(fault);
    },
    disarm: () => {
      faults.length = 0;
    },
    count: (method, path, status) =>
      seen.filter(
        (s) => s.method === method && path.test(s.path) && (status === undefined || s.status === status),
      ).length,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
