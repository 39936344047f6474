// A real distribution registry notifies the controller's /hooks/registry on every push. With the
// GitSync's scan interval at 10 minutes, a pushed tag is still committed within seconds. In the
// same run, the controller is restarted without a webhook secret and with a 2 s interval, and the
// same kind of push is measured again, so the two latencies are comparable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { freePort, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { flaskImage, lastSubject, median, writeSecretFile } from './flux-demo-helpers.ts';

/**
 * Tag push (the manifest PUT answered) to automated commit, with the webhook. The work after the
 * webhook (fetch, scan, commit, push) takes about 1-2 s on an idle 2-core machine and up to 3 s
 * when it is shared; without the webhook, nothing would happen for 10 minutes.
 */
const WEBHOOK_COMMIT_DEADLINE_MS = 5000;

describe('registry webhook: tag push to commit', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let kubeconfig: string;
  const secret = writeSecretFile();
  let port: number;
  let created = Date.parse('2026-02-01T00:00:00Z');
  const withWebhook: number[] = [];
  const withoutWebhook: number[] = [];

  before(async () => {
    // The registry must know the notification URL when it starts, and the scenario must know the
    // registry: so the controller's port is chosen first and the controller started last.
    port = await freePort();
    [kube, git, registry] = await Promise.all([
      startKube(),
      startGitServer(),
      startRegistry({
        notifyUrl: `http://127.0.0.1:${port}/hooks/registry`,
        notifyHeaders: { Authorization: `Bearer ${secret.secret}` },
      }),
    ]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    ({ kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '10m' },
    ));
    controller = await startController({
      kubeconfig,
      args: [`--http-addr=127.0.0.1:${port}`, `--webhook-secret-file=${secret.path}`],
    });
    await waitFor(
      'fluxdemo to be applied',
      async () => (await flaskImage(kube)) === `${registry.host}/flaskapp:develop-v1.8.0`,
      { timeoutMs: 60_000, onTimeout: () => controller?.process.logTail(40) ?? '' },
    );
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    removeTempDir(secret.dir);
  });

  /** Pushes the next develop tag, waits for its commit and for the cluster to run it; returns ms to the commit. */
  async function pushAndWait(version: string, commitTimeoutMs: number): Promise<number> {
    const tag = `develop-v${version}`;
    created += 86_400_000;
    await registry.push.pushImage('flaskapp', tag, { created: new Date(created).toISOString() });
    const pushed = Date.now();
    const subject = `Auto-release ${registry.host}/flaskapp:${tag}`;
    await waitFor('the automated commit', async () => (await lastSubject(git)) === subject, {
      timeoutMs: commitTimeoutMs,
      intervalMs: 20,
      onTimeout: () => controller?.process.logTail(40) ?? '',
    });
    const committed = Date.now() - pushed;
    await waitFor(
      'the Deployment to run the new tag',
      async () => (await flaskImage(kube)) === `${registry.host}/flaskapp:${tag}`,
      {
        timeoutMs: 30_000,
      },
    );
    return committed;
  }

  it('commits each pushed tag within seconds though the scan interval is 10m', async () => {
    for (const version of ['1.9.0', '1.9.1', '1.9.2']) withWebhook.push(await pushAndWait(version, 10_000));
    const triggered = controller?.logs().filter((line) => line.msg === 'webhook triggered') ?? [];
    assert.ok(triggered.length >= 3, 'the commits came from webhooks');
    for (const latency of withWebhook) assert.ok(latency <= WEBHOOK_COMMIT_DEADLINE_MS, `${latency} ms`);
  });

  it('without a secret the hooks answer 404, and a push waits for the 2s scan', async () => {
    await controller?.stop();
    controller = undefined;
    await kube.kubectl([
      'patch',
      'gitsync',
      'flux-demo',
      '-n',
      'tagpilot-system',
      '--type=merge',
      '-p',
      '{"spec":{"interval":"2s","automation":{"interval":"2s"}}}',
    ]);
    controller = await startController({ kubeconfig, args: [`--http-addr=127.0.0.1:${port}`] });
    const started = controller;
    await waitFor(
      'the restarted controller to sync',
      () => started.logs().some((line) => line.msg === 'synced'),
      {
        timeoutMs: 60_000,
        onTimeout: () => started.process.logTail(40),
      },
    );
    const response = await fetch(`http://127.0.0.1:${port}/hooks/registry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret.secret}` },
      body: '{"events":[]}',
    });
    assert.equal(response.status, 404);
    await response.body?.cancel();
    for (const version of ['1.10.0', '1.10.1', '1.10.2'])
      withoutWebhook.push(await pushAndWait(version, 30_000));
    assert.equal(started.logs().filter((line) => line.msg === 'webhook triggered').length, 0);
    process.stdout.write(
      `# tag push -> commit: webhook ${withWebhook.join(', ')} ms (median ${median(withWebhook)}, scan interval 10m); ` +
        `no webhook ${withoutWebhook.join(', ')} ms (median ${median(withoutWebhook)}, scan interval 2s)\n`,
    );
  });
});
