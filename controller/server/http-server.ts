// The controller's HTTP endpoints: /healthz (the process is alive), /readyz (both CRs listed; the
// controller can do its work; a 503 body says why not), /metrics (Prometheus text format, here or
// on a server of its own). Webhook routes plug in here. The webhook port may face the internet, so
// every server has bounds: header and request timeouts, a connection cap, short keep-alive.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { HTTP_LIMITS, type HttpLimits } from '../config.ts';

/** An extra route, e.g. a webhook: return true when it handled the request. */
export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Options for startHttpServer. */
export interface HttpServerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Serve /metrics from this registry; undefined: no /metrics here (it has its own address). */
  metrics?: Registry;
  /** Bounds on what one sender can hold (default HTTP_LIMITS). */
  limits?: HttpLimits;
  /** Undefined once the controller is ready to work, else why not (the /readyz 503 body). */
  notReady: () => string | undefined;
  routes?: Route[];
}

/** A listening server and its bound port. */
export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Starts the HTTP server. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const limits = options.limits ?? HTTP_LIMITS;
  const server: Server = createServer(
    {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: 5_000,
      // How often Node looks for requests past their timeouts (default 30 s would let a slow
      // sender hold a connection for up to 30 s longer than the limit).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      void handle(req, res, options).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') return text(res, 200, 'ok\n');
  if (req.method === 'GET' && path === '/readyz') {
    const reason = options.notReady();
    return reason === undefined ? text(res, 200, 'ok\n') : text(res, 503, `${reason}\n`);
  }
  if (req.method === 'GET' && path === '/metrics' && options.metrics !== undefined) {
    const body = await options.metrics.metrics();
    res.writeHead(200, { 'content-type': options.metrics.contentType });
    res.end(body);
    return;
  }
  for (const route of options.routes ?? []) if (await route(req, res)) return;
  text(res, 404, 'not found\n');
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
