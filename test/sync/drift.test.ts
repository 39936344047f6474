// Drift revert: what people do with kubectl to a synced object is put back to the Git state
// within a second, and the report says what changed and who changed it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { type DriftReport, Syncer } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { run } from '../support/processes.ts';
import { fluxDemoFiles, getJson, testLogger, testOwner, waitUntil, yamlFile } from './helpers.ts';

const SECRET =
  'apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: my-demo}\nstringData: {password: from-git-s3cret}\n';

describe('sync: drift revert', () => {
  let kube: KubeStack;
  let syncer: Syncer;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  const reports: DriftReport[] = [];
  before(async () => {
    kube = await startKube();
    apps = kube.kubeConfig.makeApiClient(AppsV1Api);
    core = kube.kubeConfig.makeApiClient(CoreV1Api);
    // The owner's namespace, where the owner's events go.
    await kube.kubectl(['create', 'namespace', 'tagpilot-system']);
    syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('demo'),
      // Each test edits the same Deployment; a short quiet period keeps one test's streak from
      // delaying the next test's revert (the backoff itself is tested in fight.test.ts).
      fightWindowMs: 300,
      backoff: (attempt) => (attempt === 0 ? 0 : 200),
    });
    syncer.on('drift', (report) => reports.push(report));
    const result = await syncer.sync({ files: [...fluxDemoFiles(), yamlFile('secret.yaml', SECRET)] });
    assert.equal(result.counts.created, 4);
    await syncer.startDriftWatch();
  });
  after(async () => {
    await syncer?.stop();
    await kube?.stop();
  });

  const replicas = async () =>
    (await apps.readNamespacedDeployment({ name: 'fluxdemo', namespace: 'my-demo' })).spec?.replicas;
  const deployment = () => apps.readNamespacedDeployment({ name: 'fluxdemo', namespace: 'my-demo' });
  const reportFor = (predicate: (r: DriftReport) => boolean) =>
    waitUntil('a drift report', () => reports.find(predicate));

  it('reverts kubectl scale within a second and says who scaled', async () => {
    await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=4', '-n', 'my-demo']);
    const scaledAt = Date.now();
    await waitUntil('replicas back to 1', async () => (await replicas()) === 1, {
      timeoutMs: 1000,
      intervalMs: 5,
    });
    const observedMs = Date.now() - scaledAt;
    const report = await reportFor((r) => r.object === 'Deployment my-demo/fluxdemo');
    console.log(
      `kubectl scale reverted: observed ${observedMs} ms after kubectl returned; watch-to-revert ${report.revertedAt - report.detectedAt} ms`,
    );
    assert.equal(report.message, 'Deployment my-demo/fluxdemo: spec.replicas 4 -> 1 (changed by kubectl)');
    assert.deepEqual(report.managers, ['kubectl']);
    assert.deepEqual(report.changes, [{ path: 'spec.replicas', from: '4', to: '1', manager: 'kubectl' }]);
  });

  it('records the revert as an Event on the object and on the owner', async () => {
    const events = await waitUntil('DriftReverted events', async () => {
      const { stdout } = await kube.kubectl(['get', 'events.events.k8s.io', '-A', '-o', 'json']);
      const items = (
        JSON.parse(stdout) as {
          items: { reason: string; note: string; regarding: { kind: string }; reportingController: string }[];
        }
      ).items;
      const reverted = items.filter(
        (e) => e.reason === 'DriftReverted' && e.note.includes('spec.replicas 4 -> 1'),
      );
      return reverted.length >= 2 ? reverted : undefined;
    });
    assert.deepEqual(events.map((e) => e.regarding.kind).sort(), ['Deployment', 'GitSync']);
    assert.ok(events.every((e) => e.reportingController === 'tagpilot'));
  });

  it('removes a label added with kubectl label, naming kubectl-label', async () => {
    reports.length = 0;
    await kube.kubectl(['label', 'deployment/fluxdemo', '-n', 'my-demo', 'team=ops']);
    await waitUntil('label removed', async () => (await deployment()).metadata?.labels?.team === undefined, {
      timeoutMs: 2000,
    });
    const report = await reportFor((r) => r.message.includes('team'));
    assert.match(report.message, /metadata\.labels\.team ops -> \(absent\) \(changed by kubectl-label\)/);
  });

  it('removes an annotation added with kubectl annotate and restores one it changed', async () => {
    reports.length = 0;
    await kube.kubectl([
      'annotate',
      '--overwrite',
      'deployment/fluxdemo',
      '-n',
      'my-demo',
      'note=hello',
      'flux.weave.works/tag.flask=glob:*',
    ]);
    await waitUntil(
      'annotations reverted',
      async () => {
        const annotations = (await deployment()).metadata?.annotations ?? {};
        return (
          annotations.note === undefined && annotations['flux.weave.works/tag.flask'] === 'glob:develop-v*'
        );
      },
      { timeoutMs: 2000 },
    );
    const report = await reportFor((r) => r.message.includes('note'));
    assert.ok(report.managers.includes('kubectl-annotate'), report.message);
  });

  it('reverts a kubectl patch of the image (what kubectl edit does)', async () => {
    reports.length = 0;
    await kube.kubectl([
      'patch',
      'deployment/fluxdemo',
      '-n',
      'my-demo',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"evil:latest"}]',
    ]);
    await waitUntil(
      'image reverted',
      async () =>
        (await deployment()).spec?.template.spec?.containers[1]?.image ===
        '127.0.0.1:5000/flaskapp:develop-v1.8.0',
      { timeoutMs: 2000 },
    );
    const report = await reportFor((r) => r.message.includes('evil'));
    assert.equal(
      report.message,
      'Deployment my-demo/fluxdemo: spec.template.spec.containers[name=flask].image evil:latest -> 127.0.0.1:5000/flaskapp:develop-v1.8.0 (changed by kubectl-patch)',
    );
  });

  it('reverts a real kubectl edit', async () => {
    reports.length = 0;
    await run(
      'kubectl',
      [`--kubeconfig=${kube.kubeconfigPath}`, 'edit', 'deployment/fluxdemo', '-n', 'my-demo'],
      {
        env: { ...process.env, KUBE_EDITOR: 'sed -i s/nginx:1.16-perl/nginx:edited/' },
      },
    );
    await waitUntil(
      'edit reverted',
      async () => (await deployment()).spec?.template.spec?.containers[0]?.image === 'nginx:1.16-perl',
      { timeoutMs: 2000 },
    );
    const report = await reportFor((r) => r.message.includes('nginx:edited'));
    assert.equal(
      report.message,
      'Deployment my-demo/fluxdemo: spec.template.spec.containers[name=nginx].image nginx:edited -> nginx:1.16-perl (changed by kubectl-edit)',
    );
  });

  it('reverts a client-side kubectl apply of a modified manifest and drops last-applied-configuration', async () => {
    reports.length = 0;
    const modified = fluxDemoFiles()
      .find((f) => f.path.endsWith('deployment.yaml'))
      ?.content.replace('replicas: 1', 'replicas: 2')
      .replace('value: "v1.8.0"', 'value: "hacked"');
    assert.ok(modified);
    await kube.kubectl(['apply', '-f', '-'], { input: modified });
    await waitUntil(
      'client-side apply reverted',
      async () => {
        const d = await deployment();
        const env = d.spec?.template.spec?.containers[1]?.env ?? [];
        return (
          d.spec?.replicas === 1 &&
          env.find((e) => e.name === 'APP_VERSION')?.value === 'v1.8.0' &&
          d.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] === undefined
        );
      },
      { timeoutMs: 3000 },
    );
    const live = await getJson(kube, ['deployment', 'fluxdemo', '-n', 'my-demo', '--show-managed-fields']);
    const managers = ((live?.metadata.managedFields ?? []) as { manager: string }[]).map((e) => e.manager);
    assert.deepEqual(managers, ['tagpilot']);
    assert.ok(reports.some((r) => r.managers.includes('kubectl-client-side-apply')));
  });

  it('recreates a managed object deleted with kubectl delete', async () => {
    reports.length = 0;
    const old = await core.readNamespacedConfigMap({ name: 'nginx-conf', namespace: 'my-demo' });
    await kube.kubectl(['delete', 'configmap', 'nginx-conf', '-n', 'my-demo']);
    const recreated = await waitUntil(
      'ConfigMap recreated',
      async () => {
        const cm = await core
          .readNamespacedConfigMap({ name: 'nginx-conf', namespace: 'my-demo' })
          .catch(() => undefined);
        return cm && cm.metadata?.uid !== old.metadata?.uid ? cm : undefined;
      },
      { timeoutMs: 2000 },
    );
    assert.equal(recreated.data?.['default.conf'], old.data?.['default.conf']);
    const report = await reportFor((r) => r.kind === 'deleted');
    assert.equal(report.message, 'ConfigMap my-demo/nginx-conf: deleted, recreated from Git');
  });

  it('reverts a Secret changed with kubectl apply without showing its values anywhere', async () => {
    reports.length = 0;
    await kube.kubectl(['apply', '-f', '-'], { input: SECRET.replace('from-git-s3cret', 'stolen-hunter2') });
    await waitUntil(
      'Secret reverted',
      async () => {
        const secret = await core.readNamespacedSecret({ name: 'creds', namespace: 'my-demo' });
        return (
          Buffer.from(secret.data?.password ?? '', 'base64').toString() === 'from-git-s3cret' &&
          secret.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] === undefined
        );
      },
      { timeoutMs: 3000 },
    );
    const report = await reportFor((r) => r.object === 'Secret my-demo/creds');
    const { stdout } = await kube.kubectl(['get', 'events.events.k8s.io', '-A', '-o', 'json']);
    const secretEvents = stdout.includes('Secret my-demo/creds');
    assert.ok(secretEvents, 'the revert was recorded');
    const leaks = ['hunter2', 'from-git-s3cret', Buffer.from('stolen-hunter2').toString('base64')];
    for (const text of [JSON.stringify(reports), stdout]) {
      for (const leak of leaks) assert.ok(!text.includes(leak), `${leak} leaked: ${report.message}`);
    }
    assert.match(report.message, /data\.password \(redacted\) -> \(redacted\)/);
  });

  it('leaves status-only and unrelated objects alone', async () => {
    reports.length = 0;
    const patches = syncer.client.counts.PATCH;
    await kube.kubectl(['create', 'configmap', 'unrelated', '-n', 'my-demo', '--from-literal=a=b']);
    await kube.kubectl(['label', 'configmap', 'unrelated', '-n', 'my-demo', 'x=y']);
    // Nothing of ours changed: no revert, not even a dry run. Absence needs a fixed wait.
    await sleep(300);
    assert.equal(syncer.client.counts.PATCH, patches);
    assert.deepEqual(reports, []);
  });
});
