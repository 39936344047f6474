// A ConfigMap whose `data` holds 100,000 keys (a 1.1 MB manifest, under the default 4 MiB file
// cap), with the default limits (DESIGN §0 promise 4; issue 12). Real kube-apiserver + etcd,
// registry and Git server; the controller runs as its own process. What a user sees: the file is
// parsed and the object sent to the API server, which cannot store it (server-side apply records
// each of the 100,000 fields in managedFields, and the object outgrows what the API server sends
// to etcd): Synced=False ApplyFailed naming the object and the API server's reason, within bounded
// time; the other objects stay. /healthz, asked every 100 ms, answers every time and quickly: the
// file is parsed in a worker (on the old code the parse held the event loop for 5.9 s). The
// GitSync's automation is off: it parses in the event loop (it needs the YAML documents to edit
// them), which these tests do not cover. Figures are printed as test diagnostics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awaitSyncOf, exists } from '../safety/gitsync-status.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { eventLines, installScenario } from '../support/scenario.ts';
import { type BulkClone, bulkClone } from './bulk-commit.ts';
import {
  describeProbe,
  HEALTHZ_MAX_MS,
  type HealthzProbe,
  probeHealthz,
  summarize,
} from './healthz-probe.ts';

const KEYS = 100_000;

/** Three letters per key (52^3 > 100,000), so no key reads as a number. */
function key(i: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const at = (n: number) => letters[n % 52] ?? '';
  return at(Math.floor(i / 2704)) + at(Math.floor(i / 52)) + at(i);
}

/** A ConfigMap whose `data` holds `KEYS` keys with one-character values. */
function bigMap(): string {
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: big-map, namespace: my-demo}',
    'data:',
  ];
  for (let i = 0; i < KEYS; i++) lines.push(`  ${key(i)}: "v"`);
  return `${lines.join('\n')}\n`;
}

describe('hostile: a ConfigMap with 100,000 keys, with the default limits', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let clone: BulkClone;
  let probe: HealthzProbe | undefined;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const configMapLives = () => exists(kube, ['configmap', 'nginx-conf', '-n', 'my-demo']);
  const setAutomation = (enabled: boolean) =>
    kube.kubectl([
      'patch',
      'gitsync',
      'flux-demo',
      '-n',
      'tagpilot-system',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { automation: { enabled } } }),
    ]);

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    controller = await startController({ kubeconfig });
    clone = await bulkClone(git, 'flux-demo');
    await waitFor('the ConfigMap to be applied', configMapLives, { timeoutMs: 60_000, onTimeout: logTail });
    await setAutomation(false);
    probe = probeHealthz(controller.port);
  });

  after(async () => {
    await probe?.stop();
    await controller?.stop();
    clone?.remove();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('parsed and sent to the API server; its refusal is reported on the GitSync naming the object', async (t) => {
    const text = bigMap();
    t.diagnostic(
      `big-map.yaml: ${text.length.toLocaleString('en')} bytes, ${KEYS.toLocaleString('en')} keys`,
    );
    probe?.phase('sync');
    const commit = await clone.commit({
      files: [['big-map.yaml', text]],
      message: 'a ConfigMap with 100,000 keys',
    });
    const pushed = performance.now();
    const conditions = await awaitSyncOf(kube, 'flux-demo', commit, {
      timeoutMs: 180_000,
      onTimeout: logTail,
    });
    t.diagnostic(`push -> outcome on the GitSync: ${Math.round(performance.now() - pushed)} ms`);
    probe?.phase('reported');
    const synced = conditions.get('Synced');
    t.diagnostic(`Synced=${synced?.status} ${synced?.reason}: ${synced?.message}`);
    assert.equal(synced?.status, 'False', synced?.message);
    assert.equal(synced?.reason, 'ApplyFailed');
    assert.match(
      synced?.message ?? '',
      new RegExp(
        `^commit ${commit.slice(0, 7)}: ConfigMap my-demo/big-map: apply ConfigMap my-demo/big-map: .+; 0 created, 0 configured, 3 unchanged, 0 pruned$`,
      ),
    );
    const events = (await eventLines(kube, 'tagpilot-system')).split('\n');
    assert.ok(
      events.some((line) =>
        /^ApplyFailed: ConfigMap my-demo\/big-map: apply ConfigMap my-demo\/big-map: /.test(line),
      ),
      events.join('\n'),
    );
    assert.equal(await configMapLives(), true, 'an object of the earlier commit went away');
    assert.equal(await exists(kube, ['deployment', 'fluxdemo', '-n', 'my-demo']), true);
  });

  let slowestMs = Number.POSITIVE_INFINITY;

  it('/healthz answered every request while the controller parsed and applied the map', async (t) => {
    const samples = (await probe?.stop()) ?? [];
    probe = undefined;
    const summary = summarize(samples);
    slowestMs = summary.maxMs;
    t.diagnostic(describeProbe(summary));
    assert.ok(summary.count > 50, `only ${summary.count} /healthz requests were made`);
    assert.deepEqual(summary.failed, [], 'some /healthz requests failed');
  });

  it(`the slowest /healthz answer during the sync took under ${HEALTHZ_MAX_MS} ms`, () => {
    assert.ok(slowestMs < HEALTHZ_MAX_MS, `the slowest /healthz answer took ${slowestMs} ms`);
  });
});
