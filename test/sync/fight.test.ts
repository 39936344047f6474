// When someone keeps changing an object back, reverts back off, a fight is reported naming the
// other field manager, and the loop calms down once they stop. An HPA-scaled workload and an
// ignore rule's fields are never fought over.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { type DriftFight, type DriftReport, Syncer } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { testLogger, testOwner, waitUntil, yamlFile } from './helpers.ts';

const deployment = (name: string, replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: fight}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: nginx:1.27}]
`;

const hpa = (target: string) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${target}, namespace: fight}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ${target}}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`;

// Scaled-down backoff so the test runs in seconds: 0, 300 ms, 900 ms, 2.7 s, 2.7 s…
const BACKOFF = [0, 300, 900, 2700];
const backoff = (attempt: number) => BACKOFF[Math.min(attempt, BACKOFF.length - 1)] ?? 0;

describe('sync: fights, HPA and ignore rules', () => {
  let kube: KubeStack;
  let syncer: Syncer;
  let apps: AppsV1Api;
  const reports: DriftReport[] = [];
  const fights: DriftFight[] = [];
  const ended: string[] = [];
  const sleeps: number[] = [];
  before(async () => {
    kube = await startKube();
    apps = kube.kubeConfig.makeApiClient(AppsV1Api);
    await kube.kubectl(['create', 'namespace', 'fight']);
    await kube.kubectl(['create', 'namespace', 'tagpilot-system']);
    syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('fight'),
      backoff,
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return sleep(ms, undefined, { signal });
      },
      fightWindowMs: 2000,
      fightThreshold: 3,
      ignore: [{ target: { kind: 'Deployment', name: 'ignored' }, paths: ['/spec/replicas'] }],
    });
    syncer.on('drift', (report) => reports.push(report));
    syncer.on('fight', (fight) => fights.push(fight));
    syncer.on('fight-ended', ({ object }) => ended.push(object));
  });
  after(async () => {
    await syncer?.stop();
    await kube?.stop();
  });

  const replicas = async (name: string) =>
    (await apps.readNamespacedDeployment({ name, namespace: 'fight' })).spec?.replicas;
  const scaleAs = (manager: string, name: string, count: number) =>
    kube.kubectl([
      'patch',
      `deployment/${name}`,
      '-n',
      'fight',
      '--subresource=scale',
      '--type=merge',
      `--field-manager=${manager}`,
      '-p',
      JSON.stringify({ spec: { replicas: count } }),
    ]);

  it('backs off, reports the fight naming the other manager, and calms down when it stops', async () => {
    await syncer.sync({ files: [yamlFile('web.yaml', deployment('web'))] });
    await syncer.startDriftWatch();
    let fighting = true;
    const fighter = (async () => {
      while (fighting) {
        // Through the API, not a kubectl process: under load a process start alone takes seconds.
        await apps.patchNamespacedDeployment(
          { name: 'web', namespace: 'fight', fieldManager: 'fighter', body: { spec: { replicas: 5 } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        await sleep(250);
      }
    })();
    try {
      const fight = await waitUntil('a fight', () => fights[0], { timeoutMs: 15_000 });
      assert.deepEqual(fight.managers, ['fighter']);
      assert.match(fight.message, /^Deployment fight\/web is being changed back repeatedly by fighter/);
      const web = reports.filter((r) => r.object === 'Deployment fight/web');
      assert.deepEqual(
        web.slice(0, 3).map((r) => r.attempt),
        [1, 2, 3],
      );
      assert.equal(web[0]?.message, 'Deployment fight/web: spec.replicas 5 -> 1 (changed by fighter)');
      // Each revert waited its backoff after the change was seen: 0, then 300 ms, then 900 ms.
      const waits = web.slice(0, 3).map((r) => r.revertedAt - r.detectedAt);
      console.log(`revert waits after detection: ${waits.join(', ')} ms`);
      // The Syncer asked to wait exactly the backoff before the 2nd and 3rd revert (the 1st did not
      // wait); the measured waits add the API calls on top, so only their lower bounds are fixed.
      // (A check that found nothing to write does not advance the backoff, so 300 may repeat.)
      const wait300 = sleeps.indexOf(300);
      assert.ok(wait300 !== -1 && sleeps.indexOf(900) > wait300, `sleeps requested: ${sleeps.join(', ')}`);
      const [, second = -1, third = -1] = waits;
      assert.ok(second >= 300, `second revert waited ${second} ms`);
      assert.ok(third >= 900, `third revert waited ${third} ms`);
    } finally {
      fighting = false;
      await fighter;
    }
    await waitUntil('the fight to end', () => ended.includes('Deployment fight/web'), {
      timeoutMs: 15_000,
      intervalMs: 50,
    });
    assert.equal(await replicas('web'), 1);
    assert.deepEqual(syncer.fights(), []);
    const count = reports.length;
    await sleep(500);
    assert.equal(reports.length, count, 'no reverts once calm');
    const { stdout } = await kube.kubectl(['get', 'events.events.k8s.io', '-n', 'fight', '-o', 'json']);
    const warnings = (
      JSON.parse(stdout) as { items: { reason: string; type: string; note: string }[] }
    ).items.filter((e) => e.reason === 'DriftFight');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.type, 'Warning');
    assert.match(warnings[0]?.note ?? '', /by fighter/);
  });

  it('leaves replicas to an HPA: no flapping over several scale changes, and a re-sync keeps them', async () => {
    // First without an HPA (tagpilot owns spec.replicas), then the HPA arrives in Git.
    const first = await syncer.sync({ files: [yamlFile('api.yaml', deployment('api', 2))] });
    await syncer.startDriftWatch();
    const withHpa = [yamlFile('api.yaml', deployment('api', 2)), yamlFile('hpa.yaml', hpa('api'))];
    const second = await syncer.sync({ files: withHpa, previousInventory: first.inventory });
    assert.equal(second.counts.failed, 0);
    reports.length = 0;
    for (const count of [3, 7, 4]) {
      await scaleAs('kube-controller-manager', 'api', count);
      await sleep(300);
      assert.equal(await replicas('api'), count);
    }
    // Someone scales by hand while the HPA owns replicas: still not reverted.
    await kube.kubectl(['scale', 'deployment/api', '-n', 'fight', '--replicas=6']);
    await sleep(300);
    assert.equal(await replicas('api'), 6);
    const third = await syncer.sync({ files: withHpa, previousInventory: second.inventory });
    assert.equal(await replicas('api'), 6);
    assert.equal(third.counts.failed, 0);
    assert.deepEqual(
      reports.filter(
        (r) => r.object === 'Deployment fight/api' && r.changes.some((c) => c.path === 'spec.replicas'),
      ),
      [],
    );
  });

  it('notices an HPA created and deleted outside Git while watching', async () => {
    await syncer.sync({ files: [yamlFile('late.yaml', deployment('late', 2))] });
    await syncer.startDriftWatch();
    await kube.kubectl(['apply', '-f', '-'], { input: hpa('late') });
    // The HPA watch has to see it before the "HPA controller" scales.
    await sleep(500);
    reports.length = 0;
    await scaleAs('kube-controller-manager', 'late', 5);
    await sleep(500);
    assert.equal(await replicas('late'), 5);
    assert.deepEqual(reports, []);
    await kube.kubectl(['delete', 'horizontalpodautoscaler', 'late', '-n', 'fight']);
    await sleep(500);
    await kube.kubectl(['scale', 'deployment/late', '-n', 'fight', '--replicas=7']);
    await waitUntil('replicas back to Git without the HPA', async () => (await replicas('late')) === 2);
  });

  it('leaves fields of an ignore rule alone and still reverts the rest', async () => {
    await syncer.sync({ files: [yamlFile('ignored.yaml', deployment('ignored', 2))] });
    await syncer.startDriftWatch();
    assert.equal(await replicas('ignored'), 2);
    reports.length = 0;
    await kube.kubectl(['scale', 'deployment/ignored', '-n', 'fight', '--replicas=5']);
    await kube.kubectl(['label', 'deployment/ignored', '-n', 'fight', 'drift=yes']);
    await waitUntil('label reverted', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'ignored', namespace: 'fight' });
      return d.metadata?.labels?.drift === undefined;
    });
    assert.equal(await replicas('ignored'), 5);
  });
});
