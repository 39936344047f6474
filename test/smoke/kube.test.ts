// The real kube-apiserver + etcd from the test stack answer like a cluster: kubectl and
// client-node both work against it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { type KubeStack, startKube } from '../support/kube.ts';

describe('kube-apiserver + etcd', () => {
  let kube: KubeStack;
  before(async () => {
    kube = await startKube();
  });
  after(async () => {
    await kube?.stop();
  });

  it('creates a Namespace and a Deployment with client-node and reads them back with kubectl', async () => {
    const core = kube.kubeConfig.makeApiClient(CoreV1Api);
    const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: 'smoke' } } });
    await apps.createNamespacedDeployment({
      namespace: 'smoke',
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const { stdout } = await kube.kubectl(['get', 'deployment', 'web', '-n', 'smoke', '-o', 'json']);
    const deployment = JSON.parse(stdout) as {
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(deployment.spec.replicas, 2);
    assert.equal(deployment.spec.template.spec.containers[0]?.image, 'nginx:1.27');
  });

  it('applies a CRD and a custom resource of it with kubectl', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.smoke.tagpilot.io
spec:
  group: smoke.tagpilot.io
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
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
              size: {type: integer}
`;
    await kube.kubectl(['apply', '-f', '-'], { input: crd });
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/widgets.smoke.tagpilot.io',
      '--timeout=30s',
    ]);
    await kube.kubectl(['create', 'namespace', 'widgets']);
    const widget =
      'apiVersion: smoke.tagpilot.io/v1\nkind: Widget\nmetadata: {name: w1, namespace: widgets}\nspec: {size: 3}\n';
    await kube.kubectl(['apply', '-f', '-'], { input: widget });
    const { stdout } = await kube.kubectl([
      'get',
      'widget',
      'w1',
      '-n',
      'widgets',
      '-o',
      'jsonpath={.spec.size}',
    ]);
    assert.equal(stdout, '3');
  });

  it('enforces RBAC for identities other than the admin', async () => {
    const result = await kube.kubectl(
      ['auth', 'can-i', 'list', 'secrets', '--as=system:serviceaccount:smoke:nobody'],
      {
        allowFailure: true,
      },
    );
    assert.equal(result.stdout.trim(), 'no');
    assert.notEqual(result.code, 0);
  });
});
