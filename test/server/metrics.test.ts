// /metrics of the real controller process: valid Prometheus text, every family documented, and the
// counters move when the controller works (a sync, an automated commit, a reverted kubectl scale).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { flaskImage, lastSubject, replicas } from './flux-demo-helpers.ts';
import { type Exposition, type MetricFamily, parseExposition, sumOf } from './prometheus-text.ts';

const GITSYNC = 'tagpilot-system/flux-demo';

/** The families a dashboard can rely on, with their types. */
const FAMILIES: Record<string, MetricFamily['type']> = {
  tagpilot_reconciles_total: 'counter',
  tagpilot_reconcile_duration_seconds: 'histogram',
  tagpilot_registry_scans_total: 'counter',
  tagpilot_image_tags: 'gauge',
  tagpilot_automation_commits_total: 'counter',
  tagpilot_push_retries_total: 'counter',
  tagpilot_sync_duration_seconds: 'histogram',
  tagpilot_objects_total: 'counter',
  tagpilot_drift_reverts_total: 'counter',
  tagpilot_drift_fights_total: 'counter',
  tagpilot_queue_depth: 'gauge',
  tagpilot_leader: 'gauge',
  tagpilot_webhooks_total: 'counter',
  tagpilot_process_resident_memory_bytes: 'gauge',
};

describe('/metrics', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;

  before(async () => {
    [kube, git, registry] = await Promise.all([startKube(), startGitServer(), startRegistry()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '2s' },
    );
    controller = await startController({ kubeconfig });
    await waitFor(
      'fluxdemo to be applied',
      async () => (await flaskImage(kube)) === `${registry.host}/flaskapp:develop-v1.8.0`,
      { timeoutMs: 60_000, onTimeout: () => controller?.process.logTail(40) ?? '' },
    );
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  async function scrape(): Promise<Exposition> {
    const response = await fetch(`http://127.0.0.1:${controller?.port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  }

  it('is Prometheus text with HELP and TYPE for every family', async () => {
    // The Deployment is applied mid-reconcile; the reconcile is counted when it ends.
    let exposition = await scrape();
    await waitFor(
      'the first GitSync reconcile to be counted',
      async () => {
        exposition = await scrape();
        return sumOf(exposition, 'tagpilot_reconciles_total', { kind: 'GitSync', result: 'success' }) >= 1;
      },
      { timeoutMs: 30_000 },
    );
    for (const [name, family] of exposition.families) {
      assert.ok(family.help && family.help.length > 0, `${name} has no HELP`);
    }
    for (const [name, type] of Object.entries(FAMILIES)) {
      assert.equal(exposition.families.get(name)?.type, type, name);
    }
    assert.equal(sumOf(exposition, 'tagpilot_leader'), 1);
    assert.ok(sumOf(exposition, 'tagpilot_sync_duration_seconds_count', { gitsync: GITSYNC }) >= 1);
    assert.ok(sumOf(exposition, 'tagpilot_objects_total', { gitsync: GITSYNC, action: 'created' }) >= 3);
  });

  it('counts scans, the automated commit, its sync and reconciles', async () => {
    const before = await scrape();
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const subject = `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor('the automated commit', async () => (await lastSubject(git)) === subject, {
      timeoutMs: 30_000,
      onTimeout: () => controller?.process.logTail(40) ?? '',
    });
    let after = before;
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sumOf(after, name, labels) - sumOf(before, name, labels);
    // The commit is in Git before its sync ends, and the sync is counted before the reconcile that
    // ran it ends: wait for both.
    await waitFor(
      'the sync of the automated commit and its reconcile',
      async () => {
        after = await scrape();
        return (
          delta('tagpilot_objects_total', { gitsync: GITSYNC, action: 'configured' }) >= 1 &&
          delta('tagpilot_reconciles_total', { kind: 'GitSync', result: 'success' }) >= 1
        );
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(delta('tagpilot_automation_commits_total', { gitsync: GITSYNC }), 1);
    assert.ok(delta('tagpilot_reconciles_total', { kind: 'GitSync', result: 'success' }) >= 1);
    assert.ok(delta('tagpilot_registry_scans_total', { registry: registry.host, result: 'success' }) >= 1);
    assert.equal(sumOf(after, 'tagpilot_image_tags', { image: `${registry.host}/flaskapp` }), 2);
    assert.ok(delta('tagpilot_sync_duration_seconds_count', { gitsync: GITSYNC }) >= 1);
  });

  it('counts a reverted kubectl scale by kind and field manager', async () => {
    const before = await scrape();
    await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=4', '-n', 'my-demo']);
    await waitFor('replicas back to 1', async () => (await replicas(kube)) === '1', { timeoutMs: 10_000 });
    let after = before;
    await waitFor(
      'the drift revert to be counted',
      async () => {
        after = await scrape();
        return sumOf(after, 'tagpilot_drift_reverts_total', { kind: 'Deployment' }) > 0;
      },
      { timeoutMs: 5000 },
    );
    const reverts = after.samples.filter(
      (sample) => sample.name === 'tagpilot_drift_reverts_total' && sample.labels.kind === 'Deployment',
    );
    assert.equal(
      sumOf(after, 'tagpilot_drift_reverts_total') - sumOf(before, 'tagpilot_drift_reverts_total'),
      1,
    );
    assert.match(reverts[0]?.labels.manager ?? '', /kubectl/);
  });

  it('counts refused webhooks (disabled without a secret)', async () => {
    const response = await fetch(`http://127.0.0.1:${controller?.port}/hooks/git`, {
      method: 'POST',
      headers: { 'x-github-event': 'push' },
      body: '{}',
    });
    assert.equal(response.status, 404);
    await response.body?.cancel();
    const exposition = await scrape();
    assert.equal(
      sumOf(exposition, 'tagpilot_webhooks_total', { hook: 'git', source: 'github', result: 'disabled' }),
      1,
    );
  });
});
