// Changes in Git reach the cluster: a field removed from Git is removed from the object, also
// when the object was first made with kubectl; immutable fields are reported by name; CRDs and
// their custom resources arrive in one sync; fields no typed model knows pass through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { Syncer } from '../../controller/sync/index.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { getJson, mustGetJson, testLogger, testOwner, yamlFile } from './helpers.ts';

const deployment = (
  options: { selector?: string; env?: string; annotations?: string } = {},
) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: changes
${options.annotations ?? ''}spec:
  replicas: 1
  selector:
    matchLabels: {app: ${options.selector ?? 'web'}}
  template:
    metadata:
      labels: {app: ${options.selector ?? 'web'}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
${options.env ?? ''}`;

describe('sync: changes from Git', () => {
  let kube: KubeStack;
  let syncer: Syncer;
  before(async () => {
    kube = await startKube();
    await kube.kubectl(['create', 'namespace', 'changes']);
    syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger: testLogger(),
      owner: testOwner('changes'),
      recordEvents: false,
    });
  });
  after(async () => {
    await syncer?.stop();
    await kube?.stop();
  });

  const data = async (name: string) => (await getJson(kube, ['configmap', name, '-n', 'changes']))?.data;

  it('removes a field that was removed from Git', async () => {
    const withEnv = deployment({ env: '        env:\n        - {name: MODE, value: debug}\n' });
    await syncer.sync({ files: [yamlFile('web.yaml', withEnv)] });
    const result = await syncer.sync({ files: [yamlFile('web.yaml', deployment())] });
    const web = result.objects.find((o) => o.object === 'Deployment changes/web');
    assert.equal(web?.action, 'configured');
    assert.deepEqual(web?.changes, [
      {
        path: 'spec.template.spec.containers[name=web].env',
        from: '[{"name":"MODE","value":"debug"}]',
        to: '(absent)',
      },
    ]);
    const live = await mustGetJson(kube, ['deployment', 'web', '-n', 'changes']);
    const container = (live.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template.spec.containers[0];
    assert.equal(container?.env, undefined);
  });

  it('removes fields of an object first created by kubectl create', async () => {
    await kube.kubectl([
      'create',
      'configmap',
      'precreated',
      '-n',
      'changes',
      '--from-literal=a=1',
      '--from-literal=extra=2',
    ]);
    const manifest =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: precreated, namespace: changes}\ndata: {a: "1", b: "2"}\n';
    const first = await syncer.sync({ files: [yamlFile('cm.yaml', manifest)] });
    const adopted = first.objects.find((o) => o.object === 'ConfigMap changes/precreated');
    assert.equal(adopted?.action, 'configured');
    assert.deepEqual(adopted?.tookOverFrom, ['kubectl-create']);
    assert.deepEqual(await data('precreated'), { a: '1', b: '2' });
    await syncer.sync({ files: [yamlFile('cm.yaml', manifest.replace(', b: "2"', ''))] });
    assert.deepEqual(await data('precreated'), { a: '1' });
  });

  it('removes fields of an object first created by a client-side kubectl apply', async () => {
    const manifest =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: csa, namespace: changes, labels: {old: "yes"}}\ndata: {a: "1", old: "x"}\n';
    await kube.kubectl(['apply', '-f', '-'], { input: manifest });
    const inGit =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: csa, namespace: changes}\ndata: {a: "1"}\n';
    await syncer.sync({ files: [yamlFile('cm.yaml', inGit)] });
    const live = await mustGetJson(kube, ['configmap', 'csa', '-n', 'changes', '--show-managed-fields']);
    assert.deepEqual(live?.data, { a: '1' });
    assert.deepEqual(live?.metadata.labels, { 'tagpilot.io/managed-by': 'tagpilot-system.changes' });
    assert.equal(live?.metadata.annotations, undefined);
    assert.deepEqual(
      (live.metadata.managedFields as { manager: string }[]).map((e) => e.manager),
      ['tagpilot'],
    );
  });

  it('names the immutable field it cannot change, and recreates only when annotated', async () => {
    await syncer.sync({ files: [yamlFile('web.yaml', deployment())] });
    const before = await getJson(kube, ['deployment', 'web', '-n', 'changes']);
    const refused = await syncer.sync({ files: [yamlFile('web.yaml', deployment({ selector: 'web2' }))] });
    const web = refused.objects.find((o) => o.object === 'Deployment changes/web');
    assert.equal(web?.action, 'failed');
    assert.equal(web?.reason, 'ImmutableField');
    assert.match(web?.message ?? '', /^Deployment changes\/web: spec\.selector is immutable/);
    assert.match(web?.message ?? '', /tagpilot\.io\/recreate/);
    const annotated = deployment({
      selector: 'web2',
      annotations: '  annotations:\n    tagpilot.io/recreate: "true"\n',
    });
    const recreated = await syncer.sync({ files: [yamlFile('web.yaml', annotated)] });
    assert.equal(recreated.objects.find((o) => o.object === 'Deployment changes/web')?.action, 'recreated');
    const after = await mustGetJson(kube, ['deployment', 'web', '-n', 'changes']);
    assert.notEqual(after?.metadata.uid, before?.metadata.uid);
    assert.deepEqual((after.spec as { selector: unknown }).selector, { matchLabels: { app: 'web2' } });
  });

  it('applies a CRD and a custom resource of it in one sync, with fields no typed model knows', async () => {
    // A custom kind named like a built-in one: client-node's typed serializer treats
    // serving.example.com/v1 Service as a core v1 Service and drops spec.template.
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: services.serving.example.com}
spec:
  group: serving.example.com
  names: {kind: Service, plural: services, singular: service, listKind: ServiceList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              template:
                type: object
                x-kubernetes-preserve-unknown-fields: true
`;
    const service = `apiVersion: serving.example.com/v1
kind: Service
metadata: {name: hello}
spec:
  template:
    spec:
      containers: [{image: hello:1, futureField: {enabled: true}}]
`;
    const result = await syncer.sync({
      files: [yamlFile('crd.yaml', crd), yamlFile('svc.yaml', service)],
      targetNamespace: 'changes',
    });
    assert.deepEqual(
      result.objects.map((o) => [o.object, o.action]),
      [
        ['CustomResourceDefinition services.serving.example.com', 'created'],
        ['Service changes/hello', 'created'],
      ],
    );
    assert.equal(
      result.health.find((h) => h.object.startsWith('CustomResourceDefinition'))?.status,
      'Current',
    );
    const live = await mustGetJson(kube, ['services.serving.example.com', 'hello', '-n', 'changes']);
    assert.deepEqual((live.spec as { template: unknown }).template, {
      spec: { containers: [{ image: 'hello:1', futureField: { enabled: true } }] },
    });
    // The same object through client-node's typed serializer loses spec.template: the reason
    // the apply is a raw PATCH.
    const typed = KubernetesObjectApi.makeApiClient(kube.kubeConfig);
    await typed.create({
      apiVersion: 'serving.example.com/v1',
      kind: 'Service',
      metadata: { name: 'hello-typed', namespace: 'changes' },
      spec: { template: { spec: { containers: [{ image: 'hello:1' }] } } },
    } as never);
    const typedLive = await getJson(kube, ['services.serving.example.com', 'hello-typed', '-n', 'changes']);
    assert.equal((typedLive?.spec as { template?: unknown } | undefined)?.template, undefined);
    const again = await syncer.sync({
      files: [yamlFile('crd.yaml', crd), yamlFile('svc.yaml', service)],
      targetNamespace: 'changes',
    });
    assert.equal(again.writes, 0);
  });

  it('applies the other objects when one document is malformed and one is rejected, and says why', async () => {
    const good =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good, namespace: changes}\ndata: {a: "1"}\n';
    const malformed =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\n  namespace: changes\ndata: [\n';
    const rejected =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: changes}\ndata: {a: "1"}\n';
    const unknownKind = 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: changes}\n';
    const noNamespace = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nowhere}\n';
    const result = await syncer.sync({
      files: [
        yamlFile('good.yaml', good),
        yamlFile('broken.yaml', malformed),
        yamlFile('rejected.yaml', rejected),
        yamlFile('gadget.yaml', unknownKind),
        yamlFile('nowhere.yaml', noNamespace),
      ],
    });
    assert.equal(result.objects.find((o) => o.object === 'ConfigMap changes/good')?.action, 'created');
    const bad = result.objects.find((o) => o.object === 'ConfigMap changes/Bad_Name');
    assert.equal(bad?.action, 'failed');
    assert.equal(bad?.reason, 'Invalid');
    assert.match(bad?.message ?? '', /metadata\.name: Invalid value: "Bad_Name"/);
    assert.ok(
      result.problems.some((p) => p.path === 'broken.yaml' && p.line >= 1),
      JSON.stringify(result.problems),
    );
    const gadget = result.objects.find((o) => o.object === 'Gadget changes/g');
    assert.equal(gadget?.reason, 'UnknownKind');
    const nowhere = result.objects.find((o) => o.object === 'ConfigMap nowhere');
    assert.equal(nowhere?.reason, 'NoNamespace');
    assert.deepEqual(await data('good'), { a: '1' });
  });

  it('never puts Secret data into a failure message', async () => {
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: changes}\ntype: kubernetes.io/dockerconfigjson\nstringData: {".dockerconfigjson": "hunter2-not-json"}\n';
    const result = await syncer.sync({ files: [yamlFile('secret.yaml', secret)] });
    const creds = result.objects.find((o) => o.object === 'Secret changes/creds');
    assert.equal(creds?.action, 'failed');
    assert.doesNotMatch(JSON.stringify(result), /hunter2/);
  });
});
