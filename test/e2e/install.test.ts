// `kubectl apply -k deploy/` installs tagpilot on a real API server, and its ServiceAccount can do
// what the controller needs and no more: it acts as each GitSync's ServiceAccount (impersonation),
// and reads no Secret and applies nothing with its own rights. The single-tenant opt-in
// (`deploy/single-tenant/`) adds what one trusted team's repositories hold; a shard overlay
// (`deploy/shards/<key>/`) adds one more controller Deployment and nothing else.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeStack, startKube } from '../support/kube.ts';

const deploy = join(import.meta.dirname, '..', '..', 'deploy');
const singleTenant = join(deploy, 'single-tenant');
const sa = '--as=system:serviceaccount:tagpilot-system:tagpilot';

describe('install with kubectl apply -k deploy/', () => {
  let kube: KubeStack;
  before(async () => {
    kube = await startKube();
  });
  after(async () => {
    await kube?.stop();
  });

  it('creates the namespace, CRDs, RBAC and the controller Deployment', async () => {
    const { stdout } = await kube.kubectl(['apply', '-k', deploy]);
    for (const created of [
      'namespace/tagpilot-system',
      'customresourcedefinition.apiextensions.k8s.io/gitsyncs.tagpilot.io',
      'customresourcedefinition.apiextensions.k8s.io/imagepolicies.tagpilot.io',
      'serviceaccount/tagpilot',
      'clusterrole.rbac.authorization.k8s.io/tagpilot-controller',
      'deployment.apps/tagpilot',
      'service/tagpilot',
    ]) {
      assert.match(stdout, new RegExp(`${created.replaceAll('.', '\\.')} created`));
    }
    const deployment = JSON.parse(
      (await kube.kubectl(['get', 'deployment', 'tagpilot', '-n', 'tagpilot-system', '-o', 'json'])).stdout,
    ) as {
      spec: {
        template: {
          spec: {
            securityContext: { runAsNonRoot: boolean };
            containers: { securityContext: { readOnlyRootFilesystem: boolean } }[];
          };
        };
      };
    };
    assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.equal(deployment.spec.template.spec.containers[0]?.securityContext.readOnlyRootFilesystem, true);
  });

  it('lets the ServiceAccount do what the controller needs', async () => {
    await kube.kubectl(['apply', '-k', deploy]);
    const allowed = [
      ['watch', 'gitsyncs.tagpilot.io', '-A'],
      ['patch', 'gitsyncs.tagpilot.io', '--subresource=status', '-n', 'apps'],
      ['patch', 'imagepolicies.tagpilot.io', '--subresource=status', '-n', 'apps'],
      ['create', 'events.events.k8s.io', '-n', 'apps'],
      ['update', 'leases.coordination.k8s.io', '-n', 'tagpilot-system'],
      ['impersonate', 'serviceaccounts', '-n', 'apps'],
    ];
    for (const args of allowed) {
      const result = await kube.kubectl(['auth', 'can-i', ...args, sa], { allowFailure: true });
      assert.equal(result.stdout.trim(), 'yes', `can ${args.join(' ')}`);
    }
  });

  it('denies the ServiceAccount what the controller does not need', async () => {
    const denied = [
      ['get', 'secrets', '-A'],
      ['get', 'secrets', '-n', 'apps'],
      ['list', 'secrets', '-A'],
      ['create', 'deployments.apps', '-n', 'apps'],
      ['delete', 'configmaps', '-n', 'apps'],
      ['create', 'namespaces'],
      // Groups are never impersonated (the API server derives a ServiceAccount's groups itself).
      ['impersonate', 'groups'],
      ['impersonate', 'users'],
      ['watch', 'secrets', '-n', 'apps'],
      ['delete', 'gitsyncs.tagpilot.io', '-n', 'apps'],
      ['update', 'leases.coordination.k8s.io', '-n', 'kube-system'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
      ['escalate', 'clusterroles.rbac.authorization.k8s.io'],
      ['create', 'pods/exec', '-n', 'apps'],
      ['delete', 'nodes'],
    ];
    for (const args of denied) {
      const result = await kube.kubectl(['auth', 'can-i', ...args, sa], { allowFailure: true });
      assert.equal(result.stdout.trim(), 'no', `cannot ${args.join(' ')}`);
    }
  });

  it('the single-tenant opt-in lets the ServiceAccount apply application kinds and read their Secrets', async () => {
    await kube.kubectl(['apply', '-k', deploy]);
    await kube.kubectl(['apply', '-k', singleTenant]);
    const allowed = [
      ['get', 'secrets', '-n', 'apps'],
      ['create', 'secrets', '-n', 'apps'],
      ['create', 'deployments.apps', '-n', 'apps'],
      ['patch', 'horizontalpodautoscalers.autoscaling', '-n', 'apps'],
      ['delete', 'configmaps', '-n', 'apps'],
      ['watch', 'deployments.apps', '-A'],
      ['create', 'namespaces'],
    ];
    for (const args of allowed) {
      const result = await kube.kubectl(['auth', 'can-i', ...args, sa], { allowFailure: true });
      assert.equal(result.stdout.trim(), 'yes', `can ${args.join(' ')}`);
    }
    for (const args of [
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
      ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', 'apps'],
    ]) {
      const result = await kube.kubectl(['auth', 'can-i', ...args, sa], { allowFailure: true });
      assert.equal(result.stdout.trim(), 'no', `cannot ${args.join(' ')}`);
    }
  });

  it('each shard overlay adds a controller Deployment of its own, its key taken from its pod label', async () => {
    await kube.kubectl(['apply', '-k', deploy]);
    const getJson = async (what: string[]) =>
      JSON.parse(
        (await kube.kubectl(['get', ...what, '-n', 'tagpilot-system', '-o', 'json'])).stdout,
      ) as unknown;
    const podLabels = new Map<string, Record<string, string>>();
    for (const shard of ['shard1', 'shard2']) {
      const { stdout } = await kube.kubectl(['apply', '-k', join(deploy, 'shards', shard)]);
      assert.match(stdout, new RegExp(`deployment\\.apps/tagpilot-${shard} created`));
      assert.match(stdout, new RegExp(`service/tagpilot-${shard} created`));
      assert.doesNotMatch(
        stdout,
        /namespace|customresourcedefinition|clusterrole/,
        'only the Deployment and Service',
      );
      const deployment = JSON.parse(
        (
          await kube.kubectl([
            'get',
            'deployment',
            `tagpilot-${shard}`,
            '-n',
            'tagpilot-system',
            '-o',
            'json',
          ])
        ).stdout,
      ) as {
        spec: {
          selector: { matchLabels: Record<string, string> };
          template: {
            metadata: { labels: Record<string, string> };
            spec: {
              containers: { env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[] }[];
            };
          };
        };
      };
      // Selectors apart: no Deployment's pods are another's.
      assert.equal(deployment.spec.selector.matchLabels['sharding.tagpilot.io/key'], shard);
      assert.equal(deployment.spec.template.metadata.labels['sharding.tagpilot.io/key'], shard);
      const env = deployment.spec.template.spec.containers[0]?.env.find(
        (e) => e.name === 'TAGPILOT_SHARD_KEY',
      );
      assert.equal(env?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['sharding.tagpilot.io/key']");
      podLabels.set(shard, deployment.spec.template.metadata.labels);
    }
    // Each Service (webhooks, metrics) selects the pods of exactly one controller.
    const unsharded = (await getJson(['deployment', 'tagpilot'])) as {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    podLabels.set('', unsharded.spec.template.metadata.labels);
    const services: [string, string][] = [
      ['tagpilot', ''],
      ['tagpilot-shard1', 'shard1'],
      ['tagpilot-shard2', 'shard2'],
    ];
    for (const [service, owner] of services) {
      const { spec } = (await getJson(['service', service])) as {
        spec: { selector: Record<string, string> };
      };
      const selected = [...podLabels].filter(([, labels]) =>
        Object.entries(spec.selector).every(([key, value]) => labels[key] === value),
      );
      assert.deepEqual(
        selected.map(([shard]) => shard),
        [owner],
        `service/${service} selects ${JSON.stringify(spec.selector)}`,
      );
    }
    // The unsharded controller stays as it was.
    const { stdout } = await kube.kubectl(['get', 'deployments', '-n', 'tagpilot-system', '-o', 'name']);
    assert.deepEqual(stdout.trim().split('\n').sort(), [
      'deployment.apps/tagpilot',
      'deployment.apps/tagpilot-shard1',
      'deployment.apps/tagpilot-shard2',
    ]);
  });
});
