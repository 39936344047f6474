// Hostile webhook senders against the controller as a user runs it (real API server, registry and
// Git server; the controller as its own process with --metrics-addr): 100 unauthenticated 4 MiB
// uploads at once, 100 forged-signature uploads, a body that trickles in, headers that never end,
// a replayed delivery. Each gets the answer a sender sees (401, 413/503, a closed connection, 200
// "handled already"), /healthz keeps answering throughout, RSS stays under 200 MB, and a genuine
// delivery still triggers the GitSync afterwards. /metrics is served only on the metrics address.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { flaskImage, writeSecretFile } from '../server/flux-demo-helpers.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { describeProbe, probeHealthz, summarize } from './healthz-probe.ts';

const MiB = 1024 * 1024;
const UPLOADS = 100;
const RSS_LIMIT_MB = 200;

/** VmRSS of a process, in MiB. */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

/** Samples a process's RSS every 20 ms until stopped; returns the highest seen, in MiB. */
function watchRss(pid: number): { stop(): number } {
  let highest = rssOf(pid);
  const timer = setInterval(() => {
    highest = Math.max(highest, rssOf(pid));
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(highest, rssOf(pid));
    },
  };
}

/** Sends up to `size` bytes to `path` in 64 KiB chunks; resolves with the status, or 0 if the server hung up first. */
function upload(port: number, path: string, headers: Record<string, string>, size: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers });
    let settled = false;
    const done = (status: number) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(status);
    };
    req.on('response', (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', () => done(0));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (!settled && sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

describe('hostile: webhook senders', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess;
  const secret = writeSecretFile();

  before(async () => {
    [kube, git, registry] = await Promise.all([startKube(), startGitServer(), startRegistry()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '10m' },
    );
    controller = await startController({
      kubeconfig,
      args: [
        `--webhook-secret-file=${secret.path}`,
        '--metrics-addr=127.0.0.1:0',
        '--http-request-timeout=2s',
        '--http-header-timeout=1s',
        '--log-level=info',
      ],
    });
    await waitFor(
      'fluxdemo to be applied',
      async () => (await flaskImage(kube)) === `${registry.host}/flaskapp:develop-v1.8.0`,
      { timeoutMs: 60_000, onTimeout: () => controller.process.logTail(40) },
    );
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    removeTempDir(secret.dir);
  });

  it('/metrics is served on --metrics-addr only', async () => {
    const hooksPort = await fetch(`http://127.0.0.1:${controller.port}/metrics`);
    assert.equal(hooksPort.status, 404);
    await hooksPort.body?.cancel();
    assert.ok(controller.metricsPort, 'the controller logged its metrics port');
    const metrics = await fetch(`http://127.0.0.1:${controller.metricsPort}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /tagpilot_reconciles_total/);
  });

  it(`${UPLOADS} unauthenticated and ${UPLOADS} forged 4 MiB uploads at once: refused, /healthz answers, RSS < ${RSS_LIMIT_MB} MB`, async () => {
    const pid = controller.process.pid;
    const before = rssOf(pid);
    const rss = watchRss(pid);
    const health = probeHealthz(controller.port, { intervalMs: 50, timeoutMs: 5_000 });
    const unauthenticated = await Promise.all(
      Array.from({ length: UPLOADS }, (_, i) =>
        upload(
          controller.port,
          '/hooks/git',
          // Half declare their length, half stream chunked.
          i % 2 === 0 ? { 'content-length': String(4 * MiB) } : {},
          4 * MiB,
        ),
      ),
    );
    const forged = await Promise.all(
      Array.from({ length: UPLOADS }, (_, i) =>
        upload(
          controller.port,
          '/hooks/git',
          {
            'x-github-event': 'push',
            'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
            ...(i % 2 === 0 ? { 'content-length': String(4 * MiB) } : {}),
          },
          4 * MiB,
        ),
      ),
    );
    const probe = summarize(await health.stop());
    const during = rss.stop();
    const afterwards = rssOf(pid);
    const count = (statuses: number[]) =>
      Object.entries(
        statuses.reduce<Record<string, number>>((counts, status) => {
          counts[status] = (counts[status] ?? 0) + 1;
          return counts;
        }, {}),
      )
        .map(([status, n]) => `${n}× ${status === '0' ? 'hung up' : status}`)
        .join(', ');
    console.log(
      `webhook flood: unauthenticated ${count(unauthenticated)}; forged ${count(forged)}; ` +
        `RSS ${before.toFixed(0)} → ${afterwards.toFixed(0)} MiB (highest during the flood ${during.toFixed(0)}); ` +
        describeProbe(probe),
    );
    // A refused sender reads 401, or (still sending when we closed the connection) sees the hang-up;
    // the next test shows the 401 to a sender that waits for it.
    assert.ok(
      unauthenticated.every((status) => status === 401 || status === 0),
      count(unauthenticated),
    );
    // A forged signature needs the body: over the 1 MiB cap it is 413, past 16 bodies at once 503.
    assert.ok(
      forged.every((status) => [413, 503, 0].includes(status)),
      count(forged),
    );
    assert.ok(afterwards < RSS_LIMIT_MB, `RSS ${afterwards.toFixed(0)} MiB`);
    assert.ok(during < RSS_LIMIT_MB, `RSS during the flood ${during.toFixed(0)} MiB`);
    assert.ok(probe.count > 0 && probe.failed.length === 0, '/healthz answered every poll');
  });

  it('an unauthenticated sender that waits for the answer reads 401 with the reason, its body unread', async () => {
    const answer = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: controller.port,
        path: '/hooks/git',
        method: 'POST',
        headers: { 'content-length': String(4 * MiB) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20)); // the rest never comes
    });
    assert.equal(answer.code, 401);
    assert.match(answer.body, /no shared secret or signature/);
  });

  it('a body that trickles in is cut off at --http-request-timeout; headers that never end at --http-header-timeout', async () => {
    const closedAfter = async (first: string, more: string) => {
      const socket = connect(controller.port, '127.0.0.1');
      socket.on('error', () => undefined);
      const start = performance.now();
      socket.write(first);
      const trickle = setInterval(() => socket.write(more), 200);
      await new Promise((resolve) => socket.on('close', resolve));
      clearInterval(trickle);
      return performance.now() - start;
    };
    const token = readFileSync(secret.path, 'utf8').trim();
    const body = await closedAfter(
      `POST /hooks/git HTTP/1.1\r\nhost: x\r\nx-tagpilot-token: ${token}\r\ncontent-length: 100000\r\n\r\n{`,
      ' ',
    );
    const headers = await closedAfter('POST /hooks/git HTTP/1.1\r\nhost: x\r\n', 'x-pad: y\r\n');
    console.log(
      `slow senders: body cut off after ${body.toFixed(0)} ms, headers after ${headers.toFixed(0)} ms`,
    );
    assert.ok(body < 10_000, `body cut off after ${body} ms`);
    assert.ok(headers < 10_000, `headers cut off after ${headers} ms`);
  });

  it('a genuine delivery triggers the GitSync; the same delivery replayed is ignored', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      repository: { clone_url: git.repoUrl('flux-demo') },
    });
    const key = readFileSync(secret.path, 'utf8').trim();
    const send = async () => {
      const response = await fetch(`http://127.0.0.1:${controller.port}/hooks/git`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': '6f1e2a10-0000-4000-8000-000000000001',
          'x-hub-signature-256': `sha256=${createHmac('sha256', key).update(body).digest('hex')}`,
        },
        body,
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const first = await send();
    assert.equal(first.status, 202, JSON.stringify(first.json));
    assert.deepEqual((first.json.triggered as { gitSyncs: string[] }).gitSyncs.length, 1);
    const replay = await send();
    assert.equal(replay.status, 200);
    assert.match(String(replay.json.ignored), /handled already/);
  });
});
