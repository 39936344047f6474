// The undici transport for isomorphic-git against a plain Node HTTP server: connection reuse, the
// request body, redirects, error bodies and timeouts.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { createGitHttpClient, type GitHttpExchange } from '../../controller/git/index.ts';

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body ?? []) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('git HTTP client', () => {
  let server: Server;
  let base: string;
  let connections = 0;
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const exchanges: GitHttpExchange[] = [];
  const http = createGitHttpClient({
    dispatcher: agent,
    headersTimeoutMs: 300,
    onResponse: (exchange) => exchanges.push(exchange),
  });
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/echo': (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-multi': ['a', 'b'] });
        res.end(
          `${req.method} ${req.headers['content-length'] ?? '-'} ${req.headers['user-agent']} ${Buffer.concat(chunks)}`,
        );
      });
    },
    '/redirect': (_req, res) => {
      res.writeHead(302, { location: 'http://example.invalid/steal' });
      res.end('moved');
    },
    '/huge-error': (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('x'.repeat(1024 * 1024));
    },
    '/hang': () => {},
  };

  before(async () => {
    server = createServer((req, res) => routes[req.url ?? '']?.(req, res));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await agent.close();
  });

  it('sends the collected body with a Content-Length and reuses one connection', async () => {
    const before = connections;
    async function* body() {
      yield Buffer.from('want ');
      yield Buffer.from('abc');
    }
    const first = await http.request({ url: `${base}/echo`, method: 'POST', body: body() });
    assert.equal(first.statusCode, 200);
    assert.equal(first.statusMessage, 'OK');
    assert.equal(first.headers?.['x-multi'], 'a, b');
    assert.equal(await collect(first.body), 'POST 8 tagpilot want abc');
    // undici hands the connection back just after the body's end event.
    await new Promise((resolve) => setImmediate(resolve));
    const second = await http.request({ url: `${base}/echo`, headers: { 'user-agent': 'custom' } });
    assert.equal(await collect(second.body), 'GET - custom ');
    assert.equal(connections - before, 1, 'keep-alive: both requests on one connection');
  });

  it('does not follow redirects, and reports requests without their headers', async () => {
    exchanges.length = 0;
    const res = await http.request({ url: `${base}/redirect`, headers: { authorization: 'Basic c2VjcmV0' } });
    assert.equal(res.statusCode, 302);
    assert.equal(await collect(res.body), 'moved');
    assert.equal(exchanges.length, 1);
    assert.deepEqual(Object.keys(exchanges[0] ?? {}).sort(), ['durationMs', 'method', 'statusCode', 'url']);
    assert.equal(exchanges[0]?.url, `${base}/redirect`);
  });

  it('reads at most 64 KiB of an error body', async () => {
    const res = await http.request({ url: `${base}/huge-error` });
    assert.equal(res.statusCode, 500);
    assert.equal((await collect(res.body)).length, 64 * 1024);
  });

  it('gives up when the response headers do not come in time', async () => {
    const started = performance.now();
    await assert.rejects(http.request({ url: `${base}/hang` }), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    assert.ok(performance.now() - started < 5_000);
  });
});
