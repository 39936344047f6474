// Readiness tells the truth: /readyz is 200 only after both CRs have been listed, a controller that
// cannot reach the API server says so in the /readyz body (and /healthz still answers), and a bad
// kubeconfig stops `tagpilot controller`, `status` and `list-images` with exit 2 and one line that
// does not quote the file. Real controller processes; the unreachable API server is a loopback
// port nobody listens on. On the old code /readyz turned 200 ("caches synced") after the first
// failed list, and `tagpilot controller` died with a stack trace (exit 1).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { freePort, makeTempDir, removeTempDir, run, waitFor } from '../support/processes.ts';

const cli = join(import.meta.dirname, '..', '..', 'controller', 'cli', 'main.ts');

function kubeconfig(server: string): string {
  return `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${server}"}}]
users: [{name: u, user: {token: s3cr3t-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;
}

describe('hostile: readiness tells the truth', () => {
  let dir: string;
  let unreachable: string;
  const controllers: ControllerProcess[] = [];

  before(async () => {
    dir = makeTempDir('readiness');
    unreachable = join(dir, 'unreachable.yaml');
    writeFileSync(unreachable, kubeconfig(`https://127.0.0.1:${await freePort()}`));
  });

  after(async () => {
    await Promise.allSettled(controllers.map((c) => c.stop()));
    removeTempDir(dir);
  });

  async function failedLists(controller: ControllerProcess): Promise<number> {
    return controller.logs().filter((line) => /failed/.test(String(line.msg)) && line.resource === 'gitsyncs')
      .length;
  }

  it('an unreachable API server: /readyz 503 saying why, /healthz 200', async () => {
    const controller = await startController({
      kubeconfig: unreachable,
      args: ['--no-leader-elect'],
      name: 'unreachable',
      waitReady: false,
    });
    controllers.push(controller);
    const base = `http://127.0.0.1:${controller.port}`;
    await waitFor('two failed lists of GitSyncs', async () => (await failedLists(controller)) >= 2, {
      timeoutMs: 30_000,
      onTimeout: () => controller.process.logTail(),
    });
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(await ready.text(), /^not ready: cannot list GitSyncs and ImagePolicies: .*ECONNREFUSED/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal(
      controller.logs().some((line) => line.msg === 'caches synced'),
      false,
      'claimed synced caches without a successful list',
    );
  });

  it('a standby that cannot read the Lease is not ready either', async () => {
    const controller = await startController({ kubeconfig: unreachable, name: 'standby', waitReady: false });
    controllers.push(controller);
    await waitFor(
      'a failed Lease request',
      () => controller.logs().some((line) => line.msg === 'leader election request failed'),
      { timeoutMs: 30_000, onTimeout: () => controller.process.logTail() },
    );
    const ready = await fetch(`http://127.0.0.1:${controller.port}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(await ready.text(), /Lease has not been read/);
  });

  for (const [name, content] of [
    ['a YAML syntax error', `apiVersion: v1\nusers: [{name: u, user: {token: s3cr3t-token}}\nclusters: [\n`],
    ['no current cluster', 'apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: s3cr3t-token}}]\n'],
  ] as const) {
    for (const command of ['controller', 'status', 'list-images']) {
      it(`${name}: tagpilot ${command} exits 2 with one line`, async () => {
        const file = join(dir, `${command}-${name.replaceAll(' ', '-')}.yaml`);
        writeFileSync(file, content);
        const args = [cli, command, `--kubeconfig=${file}`];
        if (command === 'controller')
          args.push('--http-addr=127.0.0.1:0', `--cache-dir=${join(dir, 'cache')}`);
        const result = await run(process.execPath, args, { allowFailure: true });
        assert.equal(result.code, 2, result.stderr);
        const lines = result.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0] ?? '', new RegExp(`^tagpilot ${command}: `));
        assert.doesNotMatch(result.stderr, /s3cr3t-token/);
      });
    }
  }
});
