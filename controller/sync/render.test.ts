import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceInfo } from '../kube/types.ts';
import { type KindResolver, renderObjects } from './render.ts';

const KINDS: Record<string, ResourceInfo> = {
  'v1/ConfigMap': { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
  'v1/Namespace': { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false },
  'apps/v1/Deployment': {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    resource: 'deployments',
    namespaced: true,
  },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    resource: 'customresourcedefinitions',
    namespaced: false,
  },
};
const resolveKind: KindResolver = async (apiVersion, kind) => KINDS[`${apiVersion}/${kind}`];
const render = (content: string, targetNamespace?: string) =>
  renderObjects([{ path: 'x.yaml', content }], { targetNamespace, ownerLabelValue: 'ns.sync', resolveKind });

describe('renderObjects', () => {
  const confinedDocs = [
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: own, namespace: team-a}',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: implicit}',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen, namespace: team-b}',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1}',
  ].join('\n---\n');

  it('with confineTo, refuses namespaced objects in other namespaces one by one, not as a problem', async () => {
    const result = await renderObjects([{ path: 'x.yaml', content: confinedDocs }], {
      targetNamespace: undefined,
      confineTo: 'team-a',
      ownerLabelValue: 'team-a.apps',
      resolveKind,
    });
    assert.deepEqual(
      result.objects.map((o) => o.id),
      ['team-a_own__ConfigMap', 'team-a_implicit__ConfigMap', '_ns1__Namespace'],
      "objects that name no namespace land in the GitSync's; cluster-scoped ones are left to RBAC",
    );
    assert.deepEqual(
      result.failures.map((f) => [f.entry?.id, f.object, f.reason]),
      [['team-b_stolen__ConfigMap', 'ConfigMap team-b/stolen', 'CrossNamespace']],
    );
    assert.match(
      result.failures[0]?.message ?? '',
      /namespace team-b is not the GitSync's namespace team-a \(--no-cross-namespace-refs\)/,
    );
    // A refusal is not a problem of the render (which would hold back every prune).
    assert.deepEqual(result.problems, []);
  });

  it("with confineTo and targetNamespace, the target namespace overrides every object's own (as in Flux)", async () => {
    const result = await renderObjects([{ path: 'x.yaml', content: confinedDocs }], {
      targetNamespace: 'team-a-prod',
      confineTo: 'team-a-prod',
      ownerLabelValue: 'team-a.apps',
      resolveKind,
    });
    assert.deepEqual(
      result.objects.map((o) => o.id),
      [
        'team-a-prod_own__ConfigMap',
        'team-a-prod_implicit__ConfigMap',
        'team-a-prod_stolen__ConfigMap',
        '_ns1__Namespace',
      ],
    );
    assert.equal(result.objects[2]?.object.metadata.namespace, 'team-a-prod');
    assert.deepEqual(result.failures, []);
  });

  it('skips documents without apiVersion/kind and sets the target namespace only where missing', async () => {
    const result = await render(
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}',
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1, namespace: ignored-for-cluster-scope}',
        'just: a map',
        '# a comment only',
      ].join('\n---\n'),
      'target',
    );
    assert.deepEqual(
      result.objects.map((o) => o.id),
      ['target_a__ConfigMap', 'other_b__ConfigMap', '_ns1__Namespace'],
    );
    assert.equal(result.objects[2]?.object.metadata.namespace, undefined);
    assert.deepEqual(result.objects[0]?.object.metadata.labels, { 'tagpilot.io/managed-by': 'ns.sync' });
    assert.deepEqual(result.problems, []);
  });

  it('skips kustomize configuration documents without a problem, and marks defaulted namespaces', async () => {
    const result = await render(
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]',
        'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: own}',
      ].join('\n---\n'),
      'target',
    );
    assert.deepEqual(
      result.objects.map((o) => [o.id, o.namespaceDefaulted]),
      [
        ['target_a__ConfigMap', true],
        ['own_b__ConfigMap', false],
      ],
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.failures, []);
  });

  it('reads ignore and recreate annotations under every prefix', async () => {
    const result = await render(
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns, annotations: {fluxcd.io/ignore: "true"}}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: ns, annotations: {flux.weave.works/ignore: "true", tagpilot.io/ignore: "false"}}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns, annotations: {tagpilot.io/ignore: sync_only}}',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns, annotations: {tagpilot.io/recreate: "true"}}',
      ].join('\n---\n'),
    );
    assert.deepEqual(
      result.ignored.map((e) => e.id),
      ['ns_a__ConfigMap'],
    );
    assert.deepEqual(
      result.objects.map((o) => [o.entry.name, o.syncOnly, o.recreate]),
      [
        ['b', false, false],
        ['c', true, false],
        ['d', false, true],
      ],
    );
  });

  it('strips server-owned metadata and last-applied-configuration from exported manifests', async () => {
    const result = await render(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\n  resourceVersion: "5"\n  uid: x\n  creationTimestamp: "2020-01-01T00:00:00Z"\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: "{}"\n    keep: "yes"\n',
    );
    assert.deepEqual(result.objects[0]?.object.metadata, {
      name: 'a',
      namespace: 'ns',
      annotations: { keep: 'yes' },
      labels: { 'tagpilot.io/managed-by': 'ns.sync' },
    });
  });

  it('resolves custom resources from a CRD in the same render', async () => {
    const crd =
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Cluster\n  names: {kind: Widget, plural: widgets}\n  versions: [{name: v1, served: true, storage: true}]';
    const result = await render(
      `${crd}\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}`,
      'n',
    );
    assert.deepEqual(result.objects[1]?.info, {
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      resource: 'widgets',
      namespaced: false,
    });
    assert.equal(result.objects[1]?.id, '_w_example.com_Widget');
  });

  it('reports what it cannot render: unknown kinds, missing names, duplicates, no namespace, parse errors', async () => {
    const result = await render(
      [
        'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: ns}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: ns}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: yes, namespace: ns}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nowhere}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed',
      ].join('\n---\n'),
    );
    assert.deepEqual(
      result.failures.map((f) => [f.object, f.reason]),
      [
        ['Gadget ns/g', 'UnknownKind'],
        ['ConfigMap ns/<unnamed>', 'Invalid'],
        ['ConfigMap ns/true', 'Invalid'],
        ['ConfigMap nowhere', 'NoNamespace'],
      ],
    );
    assert.match(result.failures[2]?.message ?? '', /boolean true, not a string/);
    assert.equal(result.failures[0]?.entry?.id, 'ns_g_example.com_Gadget');
    assert.ok(result.problems.some((p) => p.message.includes('defined twice')));
    assert.ok(result.problems.some((p) => p.message.startsWith('document 6 skipped')));
    assert.deepEqual(
      result.objects.map((o) => o.id),
      ['ns_a__ConfigMap'],
    );
  });

  it('expands a v1 List into its items', async () => {
    const result = await render(
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n- not-an-object\n',
      'ns',
    );
    assert.deepEqual(
      result.objects.map((o) => o.id),
      ['ns_a__ConfigMap', 'ns_b__ConfigMap'],
    );
  });
});
