import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_BODIES_IN_FLIGHT } from './webhook-routes.ts';
import { registryPush, SECRET, serve } from './webhook-server.test-support.ts';

/** A POST whose body is sent by the test, chunk by chunk; `response` settles on the answer. */
function openPost(port: number, path: string, headers: Record<string, string>) {
  const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers });
  req.on('error', () => undefined); // the server may close the socket while we still send
  const response = new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>(
    (resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
    },
  );
  return { req, response };
}

/** Resolves when the server closes a raw connection (true) or after `ms` (false). */
function closedWithin(socket: import('node:net').Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const MiB = 1024 * 1024;

describe('webhook routes limits', () => {
  it('refuses a signed body over the declared cap with 413, without reading it', async () => {
    const hooks = await serve(SECRET, { maxBodyBytes: 1024 });
    try {
      const body = JSON.stringify({ ...registryPush, padding: 'x'.repeat(2048) });
      const response = await hooks.post('/hooks/registry', body, { authorization: `Bearer ${SECRET}` });
      assert.equal(response.status, 413);
      assert.deepEqual(hooks.calls, []);
    } finally {
      await hooks.server.close();
    }
  });

  it('answers 413 to a chunked body that grows past the cap, and closes the connection', async () => {
    const hooks = await serve(SECRET, { maxBodyBytes: 64 * 1024 });
    try {
      const post = openPost(hooks.server.port, '/hooks/registry', { authorization: `Bearer ${SECRET}` });
      for (let i = 0; i < 4; i++) post.req.write(Buffer.alloc(32 * 1024, 0x20));
      const answer = await post.response;
      assert.equal(answer.status, 413);
      assert.equal(answer.headers.connection, 'close');
      assert.match(answer.body, /larger than 65536 bytes/);
      post.req.destroy();
    } finally {
      await hooks.server.close();
    }
  });

  const unauthenticated: { name: string; headers: Record<string, string>; why: RegExp }[] = [
    { name: 'no credential', headers: {}, why: /no shared secret or signature/ },
    { name: 'a wrong token', headers: { 'x-tagpilot-token': 'guess' }, why: /invalid X-Tagpilot-Token/ },
    {
      name: 'a right token beside a malformed signature',
      headers: { 'x-tagpilot-token': SECRET, 'x-hub-signature-256': 'sha256=zz' },
      why: /invalid X-Hub-Signature-256/,
    },
  ];
  for (const { name, headers, why } of unauthenticated) {
    it(`${name}: 401 before one byte of a 4 MiB body is needed`, async () => {
      const hooks = await serve(SECRET);
      try {
        const post = openPost(hooks.server.port, '/hooks/registry', {
          ...headers,
          'content-length': String(4 * MiB),
        });
        post.req.write(Buffer.alloc(1024, 0x20)); // the rest never comes
        const answer = await post.response;
        assert.equal(answer.status, 401);
        assert.equal(answer.headers.connection, 'close');
        assert.match(answer.body, why);
        assert.deepEqual(hooks.calls, []);
        post.req.destroy();
      } finally {
        await hooks.server.close();
      }
    });
  }

  it('a body signature is checked after the body: a forged HMAC over a 4 MiB body gets 413 unread', async () => {
    const hooks = await serve(SECRET);
    try {
      const post = openPost(hooks.server.port, '/hooks/git', {
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        'content-length': String(4 * MiB),
      });
      post.req.write(Buffer.alloc(1024, 0x20));
      const answer = await post.response;
      assert.equal(answer.status, 413);
      assert.match(answer.body, /larger than 1048576 bytes/);
      post.req.destroy();
    } finally {
      await hooks.server.close();
    }
  });

  it(`reads at most ${MAX_BODIES_IN_FLIGHT} bodies at once: the next signed request gets 503 with Retry-After`, async () => {
    const hooks = await serve(SECRET);
    const held: ReturnType<typeof openPost>[] = [];
    try {
      const signedHeaders = { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
      for (let i = 0; i < MAX_BODIES_IN_FLIGHT; i++) {
        const post = openPost(hooks.server.port, '/hooks/git', signedHeaders);
        post.req.write('{');
        held.push(post);
      }
      await sleep(200);
      const extra = openPost(hooks.server.port, '/hooks/git', signedHeaders);
      extra.req.write('{');
      const answer = await extra.response;
      assert.equal(answer.status, 503);
      assert.equal(answer.headers['retry-after'], '1');
      extra.req.destroy();
      // A finished body frees its slot: the held requests end with 401 (forged signature).
      const first = held[0];
      assert.ok(first);
      first.req.end('}');
      assert.equal((await first.response).status, 401);
    } finally {
      for (const post of held) post.req.destroy();
      await hooks.server.close();
    }
  });

  it('a replayed delivery (same delivery id) triggers nothing the second time', async () => {
    const hooks = await serve(SECRET);
    try {
      const body = JSON.stringify(registryPush);
      const headers = { authorization: `Bearer ${SECRET}`, 'x-tagpilot-delivery': 'd-1' };
      assert.equal((await hooks.post('/hooks/registry', body, headers)).status, 202);
      const again = await hooks.post('/hooks/registry', body, headers);
      assert.equal(again.status, 200);
      assert.match(String(again.json.ignored), /delivery x-tagpilot-delivery:d-1 was handled already/);
      assert.equal(hooks.calls.filter((call) => call.startsWith('scan')).length, 1);
      const other = await hooks.post('/hooks/registry', body, { ...headers, 'x-tagpilot-delivery': 'd-2' });
      assert.equal(other.status, 202);
    } finally {
      await hooks.server.close();
    }
  });

  it('a distribution notification resent with the same event ids is a replay', async () => {
    const hooks = await serve(SECRET);
    try {
      const events = registryPush.events.map((event) => ({ ...event, id: 'e5c1a3f2' }));
      const body = JSON.stringify({ events });
      const headers = { authorization: `Bearer ${SECRET}` };
      assert.equal((await hooks.post('/hooks/registry', body, headers)).status, 202);
      assert.equal((await hooks.post('/hooks/registry', body, headers)).status, 200);
    } finally {
      await hooks.server.close();
    }
  });

  it('a delivery answered 503 (replica not reconciling) is handled when it comes again', async () => {
    let ready = false;
    const hooks = await serve(SECRET, { ready: () => ready });
    try {
      const body = JSON.stringify(registryPush);
      const headers = { authorization: `Bearer ${SECRET}`, 'x-github-delivery': 'g-1' };
      assert.equal((await hooks.post('/hooks/registry', body, headers)).status, 503);
      ready = true;
      assert.equal((await hooks.post('/hooks/registry', body, headers)).status, 202);
    } finally {
      await hooks.server.close();
    }
  });
});

describe('HTTP server limits', () => {
  const limits = { maxConnections: 4, headersTimeoutMs: 300, requestTimeoutMs: 600 };

  it('cuts off a body that trickles in slower than the request timeout', async () => {
    const hooks = await serve(SECRET, { limits });
    try {
      const socket = connect(hooks.server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        `POST /hooks/registry HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${SECRET}\r\ncontent-length: 1000\r\n\r\n{`,
      );
      const trickle = setInterval(() => socket.write(' '), 100);
      try {
        assert.equal(await closedWithin(socket, 5_000), true, 'the server closed the connection');
      } finally {
        clearInterval(trickle);
      }
      assert.deepEqual(hooks.calls, []);
    } finally {
      await hooks.server.close();
    }
  });

  it('cuts off headers that never end', async () => {
    const hooks = await serve(SECRET, { limits });
    try {
      const socket = connect(hooks.server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('POST /hooks/registry HTTP/1.1\r\nhost: x\r\n');
      const trickle = setInterval(() => socket.write('x-pad: y\r\n'), 100);
      try {
        assert.equal(await closedWithin(socket, 5_000), true, 'the server closed the connection');
      } finally {
        clearInterval(trickle);
      }
    } finally {
      await hooks.server.close();
    }
  });

  it('closes connections past the cap at once, and keeps answering once they are gone', async () => {
    const hooks = await serve(SECRET, {
      limits: { ...limits, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
    });
    const sockets = [];
    try {
      for (let i = 0; i < limits.maxConnections; i++) {
        const socket = connect(hooks.server.port, '127.0.0.1');
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        sockets.push(socket);
      }
      await sleep(100);
      const extra = connect(hooks.server.port, '127.0.0.1');
      extra.on('error', () => undefined);
      assert.equal(await closedWithin(extra, 2_000), true, 'the connection over the cap was closed');
      for (const socket of sockets) socket.destroy();
      await sleep(100);
      const health = await fetch(`http://127.0.0.1:${hooks.server.port}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    } finally {
      for (const socket of sockets) socket.destroy();
      await hooks.server.close();
    }
  });
});
