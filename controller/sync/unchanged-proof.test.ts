// The proof that an apply would change nothing, field by field. The managedFields shapes are those
// kube-apiserver 1.34 wrote for these manifests (scratch run against the real server).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ManagedFieldsEntry } from '../kube/types.ts';
import { type ProofInput, proveUnchanged, sameValue } from './unchanged-proof.ts';

const LABEL = { 'tagpilot.io/managed-by': 'tagpilot-system.demo' };

/** What tagpilot applies: a Deployment with ports (protocol left to the server), resources, args. */
function body(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo', labels: { ...LABEL } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1',
              args: ['-g', 'daemon off;'],
              ports: [{ containerPort: 80, name: 'http' }],
              resources: { limits: { cpu: 1, memory: '128Mi' } },
            },
          ],
        },
      },
    },
  };
}

/** Our Apply entry as the server records the body above. */
function ours(): ManagedFieldsEntry {
  return {
    manager: 'tagpilot',
    operation: 'Apply',
    apiVersion: 'apps/v1',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:tagpilot.io/managed-by': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:args': {},
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:name': {} },
                },
                'f:resources': { 'f:limits': { 'f:cpu': {}, 'f:memory': {} } },
              },
            },
          },
        },
      },
    },
  };
}

/** The live object: the body as the server keeps it, defaults filled in, status and others' entries. */
function live(): KubeObject {
  const object = body();
  const spec = object.spec as { template: { spec: Record<string, unknown> } } & Record<string, unknown>;
  const container = (spec.template.spec.containers as Record<string, unknown>[])[0] as Record<
    string,
    unknown
  >;
  container.ports = [{ containerPort: 80, name: 'http', protocol: 'TCP' }];
  container.resources = { limits: { cpu: '1', memory: '128Mi' } };
  container.imagePullPolicy = 'IfNotPresent';
  container.terminationMessagePath = '/dev/termination-log';
  spec.template.spec.restartPolicy = 'Always';
  spec.revisionHistoryLimit = 10;
  spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  object.metadata = {
    ...object.metadata,
    uid: 'u',
    resourceVersion: '7',
    generation: 1,
    annotations: { 'deployment.kubernetes.io/revision': '1' },
    managedFields: [
      ours(),
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'apps/v1',
        fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:deployment.kubernetes.io/revision': {} } } },
      },
      { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: {} },
    ],
  };
  object.status = { replicas: 2 };
  return object;
}

interface Case {
  live: KubeObject;
  body: KubeObject;
  release: (readonly string[])[];
}

function input(change: (c: Case) => void = () => {}): ProofInput {
  const c: Case = { live: live(), body: body(), release: [] };
  change(c);
  return { ...c, fieldManager: 'tagpilot' };
}

function containerOf(object: KubeObject): Record<string, unknown> {
  const spec = object.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
  const container = spec.template.spec.containers[0];
  if (!container) throw new Error('no container');
  return container;
}

function entryOf(object: KubeObject): ManagedFieldsEntry {
  const entry = object.metadata.managedFields?.[0];
  if (!entry) throw new Error('no entry');
  return entry;
}

describe('proveUnchanged', () => {
  it('proves the applied state: defaulted fields, an int quantity stored as a string, a defaulted list key', () => {
    assert.deepEqual(proveUnchanged(input()), { proven: true });
  });

  const notProven: [string, (c: Case) => void, RegExp][] = [
    [
      'a changed manifest value (the image)',
      ({ body }) => {
        containerOf(body).image = 'nginx:2';
      },
      /image differs/,
    ],
    [
      'live drift (replicas changed by another manager, who now owns them)',
      ({ live }) => {
        (live.spec as Record<string, unknown>).replicas = 5;
        const spec = entryOf(live).fieldsV1?.['f:spec'] as Record<string, unknown>;
        delete spec['f:replicas'];
        live.metadata.managedFields?.push({
          manager: 'autoscaler',
          operation: 'Update',
          subresource: 'scale',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        });
      },
      /replicas not owned/,
    ],
    [
      'live drift still under our ownership (an update that kept the field set)',
      ({ live }) => {
        (live.spec as Record<string, unknown>).replicas = 5;
      },
      /replicas differs/,
    ],
    [
      'a field removed from the manifest (we own it, the apply would remove it)',
      ({ body }) => {
        delete containerOf(body).args;
      },
      /args owned but not in the manifest/,
    ],
    [
      'a field added to the manifest that the server already has from its defaults',
      ({ body }) => {
        containerOf(body).imagePullPolicy = 'IfNotPresent';
      },
      /imagePullPolicy not owned/,
    ],
    [
      'a quantity the server normalises (0.5 → 500m) is not proven, never guessed',
      ({ body, live }) => {
        containerOf(body).resources = { limits: { cpu: '0.5', memory: '128Mi' } };
        containerOf(live).resources = { limits: { cpu: '500m', memory: '128Mi' } };
      },
      /cpu differs/,
    ],
    [
      'a string quantity where the server keeps a different string',
      ({ body }) => {
        containerOf(body).resources = { limits: { cpu: 1, memory: '0.125Gi' } };
      },
      /memory differs/,
    ],
    [
      'no managedFields at all',
      ({ live }) => {
        delete live.metadata.managedFields;
      },
      /no Apply entry/,
    ],
    [
      'our entry only as an Update (not an apply)',
      ({ live }) => {
        entryOf(live).operation = 'Update';
      },
      /no Apply entry/,
    ],
    [
      'applied under another apiVersion',
      ({ live }) => {
        entryOf(live).apiVersion = 'apps/v1beta2';
      },
      /applied as apps\/v1beta2/,
    ],
    [
      'a kubectl edit whose fields must be taken over first',
      ({ live }) => {
        live.metadata.managedFields?.push({
          manager: 'kubectl-edit',
          operation: 'Update',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } },
        });
      },
      /managedFields to rewrite/,
    ],
    [
      'an injected sidecar in the container list',
      ({ live }) => {
        const spec = live.spec as { template: { spec: { containers: unknown[] } } };
        spec.template.spec.containers.push({ name: 'proxy', image: 'envoy' });
      },
      /containers length differs/,
    ],
    [
      'containers reordered in Git',
      ({ body, live }) => {
        for (const object of [body, live]) {
          const spec = object.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
          spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
        }
        const fields = entryOf(live).fieldsV1 as Record<string, Record<string, Record<string, unknown>>>;
        const containers = fields['f:spec']?.['f:template'] as Record<
          string,
          Record<string, Record<string, unknown>>
        >;
        const set = containers['f:spec']?.['f:containers'];
        if (set) set['k:{"name":"side"}'] = { '.': {}, 'f:image': {}, 'f:name': {} };
        const spec = body.spec as { template: { spec: { containers: unknown[] } } };
        spec.template.spec.containers.reverse();
      },
      /containers\.0/,
    ],
    [
      'a null in the manifest (the apply would delete the field)',
      ({ body }) => {
        containerOf(body).args = null;
      },
      /args is null/,
    ],
    [
      'a released path (ignore rule) still owned by us',
      ({ body, release }) => {
        delete (body.spec as Record<string, unknown>).replicas;
        release.push(['spec', 'replicas']);
      },
      /managedFields to rewrite/,
    ],
  ];
  for (const [name, change, reason] of notProven) {
    it(`not proven: ${name}`, () => {
      const proof = proveUnchanged(input(change));
      assert.equal(proof.proven, false);
      assert.match(proof.proven ? '' : proof.reason, reason);
    });
  }

  it('a Secret applied with stringData is not proven (the server keeps only data)', () => {
    const secretBody: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'demo', labels: { ...LABEL } },
      stringData: { a: 'b' },
    };
    const secretLive: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 's',
        namespace: 'demo',
        labels: { ...LABEL },
        managedFields: [
          {
            manager: 'tagpilot',
            operation: 'Apply',
            apiVersion: 'v1',
            fieldsV1: {
              'f:metadata': { 'f:labels': { 'f:tagpilot.io/managed-by': {} } },
              'f:stringData': { 'f:a': {} },
            },
          },
        ],
      },
      data: { a: 'Yg==' },
      type: 'Opaque',
    };
    const proof = proveUnchanged({
      live: secretLive,
      body: secretBody,
      release: [],
      fieldManager: 'tagpilot',
    });
    assert.equal(proof.proven, false);
  });

  it('a cluster-scoped object without a namespace in the body', () => {
    const namespaceBody: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo', labels: { ...LABEL } },
    };
    const namespaceLive: KubeObject = {
      ...namespaceBody,
      metadata: {
        name: 'demo',
        labels: { ...LABEL, 'kubernetes.io/metadata.name': 'demo' },
        managedFields: [
          {
            manager: 'tagpilot',
            operation: 'Apply',
            apiVersion: 'v1',
            fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tagpilot.io/managed-by': {} } } },
          },
        ],
      },
      spec: { finalizers: ['kubernetes'] },
    };
    const proof = proveUnchanged({
      live: namespaceLive,
      body: namespaceBody,
      release: [],
      fieldManager: 'tagpilot',
    });
    assert.deepEqual(proof, { proven: true });
  });
});

describe('sameValue', () => {
  const limits = ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'cpu'];
  const table: [string, unknown, unknown, (string | number)[], boolean][] = [
    ['equal strings', 'a', 'a', [], true],
    ['int quantity stored as its string', 1, '1', limits, true],
    ['int quantity in a ResourceQuota', 10, '10', ['spec', 'hard', 'pods'], true],
    [
      'int against a string outside quantities (int-or-string keeps its type)',
      1,
      '1',
      ['spec', 'strategy', 'rollingUpdate', 'maxSurge'],
      false,
    ],
    ['int against a normalised string', 1000, '1k', limits, false],
    ['string against an int (never relaxed that way)', '1', 1, limits, false],
    ['fraction against millis', 0.5, '500m', limits, false],
    ['atomic map with a defaulted key', { a: 1 }, { a: 1, b: 2 }, [], false],
    ['atomic list, same order', ['x', 'y'], ['x', 'y'], [], true],
    ['atomic list, other order', ['x', 'y'], ['y', 'x'], [], false],
    ['true against "true"', true, 'true', limits, false],
  ];
  for (const [name, desired, live, at, expected] of table) {
    it(name, () => assert.equal(sameValue(desired, live, at), expected));
  }
});
