// Credentials go only to their own origin (DESIGN §0 promise 4), on a real registry: the real
// distribution registry (Basic auth) sits behind the test's forwarding proxy, which redirects
// config-blob reads to another origin — what a compromised or misconfigured registry front could
// do. That origin is the attacker: it records every Authorization header it is sent and answers
// 401 with a Basic challenge, or with a Bearer realm of its own. `tagpilot check-policy`, run as a
// user runs it with the registry's password, must never send that password (nor a token made from
// it) to the foreign origin, and must say what happened. The unit test beside the client
// (registry/foreign-challenge.test.ts) covers the cached-scheme half with MockAgent.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type CliResult, cli } from '../cli/run-cli.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { freePort, makeTempDir, removeTempDir } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';

/** The attacker's origin: records what it is sent, answers every request with `challenge`. */
async function startForeignOrigin() {
  const seen: { path: string; authorization: string | undefined }[] = [];
  let challenge = 'Basic realm="foreign"';
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '/', authorization: req.headers.authorization });
    req.resume();
    res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"log in here"}]}');
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    challenge: (value: string) => {
      challenge = value;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('hostile: a redirect to a foreign origin that asks for credentials', () => {
  let registry: RegistryStack;
  let proxy: FaultProxy;
  let foreign: Awaited<ReturnType<typeof startForeignOrigin>>;
  let dir: string;
  let tagpilot: (args: string[]) => Promise<CliResult>;
  let checkPolicy: () => Promise<CliResult>;

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    await registry.push.pushImage('app', 'v1', { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('app', 'v2', { created: '2026-02-01T00:00:00Z' });
    [proxy, foreign] = await Promise.all([startFaultProxy(registry.url), startForeignOrigin()]);
    proxy.arm({
      methods: ['GET'],
      path: /^\/v2\/app\/blobs\//,
      status: 307,
      location: (path) => `${foreign.url}${path}`,
    });
    dir = makeTempDir('foreign-realm');
    tagpilot = cli({ cacheHome: dir });
    checkPolicy = () =>
      tagpilot([
        'check-policy',
        `--image=${proxy.host}/app`,
        '--filter=glob:v*',
        `--username=${registry.username}`,
        `--password=${registry.password}`,
      ]);
  });

  after(async () => {
    await Promise.allSettled([registry?.stop(), proxy?.stop(), foreign?.stop()]);
    if (dir) removeTempDir(dir);
  });

  const challenges = [
    ['a Basic challenge', 'Basic realm="foreign"'],
    ['a Bearer realm of its own', () => `Bearer realm="${foreign.url}/token",service="foreign"`],
  ] as const;
  for (const [name, challenge] of challenges) {
    it(`${name}: the registry's password never reaches it, and the user is told`, async () => {
      foreign.seen.length = 0;
      foreign.challenge(typeof challenge === 'string' ? challenge : challenge());
      const result = await checkPolicy();
      // The build times cannot be read, so nothing is chosen on a guess.
      assert.notEqual(result.code, 0, result.stdout);
      assert.ok(foreign.seen.length > 0, 'the redirect was followed to the foreign origin');
      assert.deepEqual(
        foreign.seen.filter((request) => request.authorization !== undefined),
        [],
        'no Authorization header was sent to the foreign origin',
      );
      const output = `${result.stdout}\n${result.stderr}`;
      assert.doesNotMatch(output, new RegExp(registry.password));
      assert.match(
        output,
        new RegExp(`${foreign.url.replace(/[.:/]/g, '\\$&')}|another origin|foreign`, 'i'),
      );
      console.log(`${name}: exit ${result.code}; ${output.trim().split('\n').slice(-3).join(' | ')}`);
    });
  }

  it('without the redirect the same command works (the credentials are fine)', async () => {
    proxy.disarm();
    const result = await checkPolicy();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /winner: +v2/);
  });
});
