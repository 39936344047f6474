import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Workload } from './index.ts';
import { applyImageUpdates, findWorkloads, readManifests, resolveAnnotations } from './index.ts';

function workloadsOf(content: string, path = 'w.yaml'): Workload[] {
  const set = readManifests([{ path, content }]);
  assert.deepEqual(set.problems, []);
  return findWorkloads(set);
}

/** A workload of `kind` whose pod spec sits at `podSpec` lines, indented under `spec:`. */
function manifest(
  apiVersion: string,
  kind: string,
  podSpecPath: string[],
  annotations: string[] = [],
): string {
  const lines = [`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata:', '  name: w'];
  if (annotations.length > 0) lines.push('  annotations:', ...annotations.map((a) => `    ${a}`));
  let indent = '';
  for (const key of podSpecPath) {
    lines.push(`${indent}${key}:`);
    indent += '  ';
  }
  lines.push(`${indent}containers:`, `${indent}- name: app`, `${indent}  image: repo/app:1`);
  return `${lines.join('\n')}\n`;
}

describe('findWorkloads: kinds', () => {
  const table: Array<[string, string, string[]]> = [
    ['apps/v1', 'Deployment', ['spec', 'template', 'spec']],
    ['apps/v1', 'StatefulSet', ['spec', 'template', 'spec']],
    ['apps/v1', 'DaemonSet', ['spec', 'template', 'spec']],
    ['apps/v1', 'ReplicaSet', ['spec', 'template', 'spec']],
    ['extensions/v1beta1', 'Deployment', ['spec', 'template', 'spec']],
    ['batch/v1', 'Job', ['spec', 'template', 'spec']],
    ['batch/v1', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
    ['v1', 'Pod', ['spec']],
  ];
  for (const [apiVersion, kind, path] of table) {
    test(`${apiVersion} ${kind}: containers at ${path.join('.')}`, () => {
      const [workload, ...rest] = workloadsOf(manifest(apiVersion, kind, path));
      assert.equal(rest.length, 0);
      assert.equal(workload?.kind, kind);
      assert.deepEqual(
        workload?.containers.map((c) => [c.name, c.image]),
        [['app', 'repo/app:1']],
      );
    });
  }

  test('kinds of other API groups and non-workloads are not workloads', () => {
    const docs = [
      manifest('example.com/v1', 'Job', ['spec', 'template', 'spec']),
      manifest('v1', 'ConfigMap', ['spec']),
      manifest('apps/v1', 'Deployment', ['spec', 'wrong', 'spec']),
    ];
    const found = workloadsOf(docs.join('---\n'));
    assert.deepEqual(
      found.map((w) => [w.kind, w.containers.length]),
      [['Deployment', 0]],
    );
  });

  test('a workload without metadata.name is skipped', () => {
    assert.deepEqual(workloadsOf('apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: []}\n'), []);
  });
});

describe('findWorkloads: the flux demo', () => {
  const content = readFileSync(
    join(import.meta.dirname, 'testdata/flux-demo/original/deployment.yaml'),
    'utf8',
  );
  const [workload] = workloadsOf(content, 'deployment.yaml');

  test('identity, settings and containers', () => {
    assert.ok(workload !== undefined);
    const { containers, annotations, ...rest } = workload;
    assert.deepEqual(rest, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'my-demo',
      name: 'fluxdemo',
      path: 'deployment.yaml',
      index: 0,
      automated: true,
      locked: false,
      pullSecrets: { secretNames: [], implicitServiceAccountName: 'default' },
    });
    assert.deepEqual(annotations, {
      'flux.weave.works/automated': 'true',
      'flux.weave.works/tag.flask': 'glob:develop-v*',
    });
    assert.deepEqual(
      containers.map((c) => [c.name, c.init, c.image, c.filter, c.digest]),
      [
        ['nginx', false, 'nginx:1.16-perl', undefined, false],
        ['flask', false, 'REGISTRY_HOST/flaskapp:develop-v1.8.0', 'glob:develop-v*', false],
      ],
    );
  });

  test('each image site covers exactly the image text, on its line', () => {
    for (const container of workload?.containers ?? []) {
      const { start, end } = container.site.range;
      assert.equal(content.slice(start, end), container.image);
      const line = content.split('\n')[container.site.line - 1];
      assert.equal(line?.trim(), `image: ${container.image}`);
    }
  });
});

describe('findWorkloads: kind List', () => {
  const content = [
    '# what kubectl get -o yaml prints',
    'apiVersion: v1',
    'kind: List',
    'items:',
    '  - apiVersion: v1',
    '    kind: ConfigMap',
    '    metadata: {name: settings}',
    '  - apiVersion: apps/v1',
    '    kind: Deployment',
    '    metadata:',
    '      name: web',
    '      namespace: shop',
    '      annotations: {tagpilot.io/automated: "true", tagpilot.io/tag.app: "semver:^1"}',
    '    spec:',
    '      template:',
    '        spec:',
    '          containers:',
    '            - name: app',
    '              image: ghcr.io/acme/web:1.0.0 # pinned by CI',
    '  - apiVersion: batch/v1',
    '    kind: CronJob',
    '    metadata: {name: nightly}',
    '    spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: job, image: "repo/job:2"}]}}}}}',
    '',
  ].join('\n');

  test('workloads among the items are found, with their position in the list', () => {
    const workloads = workloadsOf(content);
    assert.deepEqual(
      workloads.map((w) => [w.apiVersion, w.kind, w.namespace, w.name, w.index, w.item, w.automated]),
      [
        ['apps/v1', 'Deployment', 'shop', 'web', 0, 1, true],
        ['batch/v1', 'CronJob', undefined, 'nightly', 0, 2, false],
      ],
    );
    assert.equal(workloads[0]?.containers[0]?.filter, 'semver:^1');
  });

  test('their image sites cover exactly the image text, so an update is a one-scalar edit', () => {
    for (const workload of workloadsOf(content)) {
      for (const container of workload.containers) {
        const { start, end } = container.site.range;
        const quoted = container.site.style === 'QUOTE_DOUBLE';
        assert.equal(content.slice(start, end), quoted ? `"${container.image}"` : container.image);
      }
    }
    const result = applyImageUpdates(
      [{ path: 'w.yaml', content }],
      [
        {
          target: {
            type: 'container',
            path: 'w.yaml',
            workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
            container: 'app',
          },
          image: { repo: 'ghcr.io/acme/web', tag: '1.1.0' },
        },
      ],
    );
    assert.deepEqual(result.unapplied, []);
    assert.equal(result.files[0]?.content, content.replace('web:1.0.0 #', 'web:1.1.0 #'));
  });

  test('a List of another apiVersion is not looked into', () => {
    assert.deepEqual(
      workloadsOf(content.replace('apiVersion: v1\nkind: List', 'apiVersion: x/v1\nkind: List')),
      [],
    );
  });
});

describe('findWorkloads: containers', () => {
  test('containers then initContainers, init flagged; namespace undefined when absent', () => {
    const content = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  initContainers: [{name: init, image: "busybox:1"}]',
      '  containers:',
      '    - name: a',
      "      image: 'repo/a:1'",
      '    - name: no-image',
      '    - image: no-name:1',
      '    - name: b',
      '      image: {not: a scalar}',
      '',
    ].join('\n');
    const [pod] = workloadsOf(content);
    assert.equal(pod?.namespace, undefined);
    assert.deepEqual(
      pod?.containers.map((c) => [c.name, c.init, c.image, c.site.style, c.site.inFlow]),
      [
        ['a', false, 'repo/a:1', 'QUOTE_SINGLE', false],
        ['init', true, 'busybox:1', 'QUOTE_DOUBLE', true],
      ],
    );
  });

  test('an image reached through an alias or a merge key is marked shared', () => {
    const content = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  containers:',
      '    - &base',
      '      name: a',
      '      image: &img repo/a:1',
      '    - name: b',
      '      image: *img',
      '    - <<: *base',
      '      name: c',
      '',
    ].join('\n');
    const [pod] = workloadsOf(content);
    assert.deepEqual(
      pod?.containers.map((c) => [c.name, c.image, c.site.shared]),
      [
        ['a', 'repo/a:1', false],
        ['b', 'repo/a:1', true],
        ['c', 'repo/a:1', true],
      ],
    );
  });
});

describe('annotations: prefix precedence', () => {
  const table: Array<{ name: string; annotations: Record<string, string>; key: string; expected?: string }> =
    [
      {
        name: 'tagpilot.io alone',
        annotations: { 'tagpilot.io/automated': 'true' },
        key: 'automated',
        expected: 'true',
      },
      {
        name: 'fluxcd.io alone',
        annotations: { 'fluxcd.io/tag.app': 'glob:*' },
        key: 'tag.app',
        expected: 'glob:*',
      },
      {
        name: 'flux.weave.works alone',
        annotations: { 'flux.weave.works/locked': 'true' },
        key: 'locked',
        expected: 'true',
      },
      {
        name: 'filter.fluxcd.io means tag.<container>',
        annotations: { 'filter.fluxcd.io/app': 'semver:^1' },
        key: 'tag.app',
        expected: 'semver:^1',
      },
      {
        name: 'tagpilot.io beats flux.weave.works',
        annotations: { 'flux.weave.works/tag.app': 'glob:old-*', 'tagpilot.io/tag.app': 'semver:^2' },
        key: 'tag.app',
        expected: 'semver:^2',
      },
      {
        name: 'tagpilot.io beats fluxcd.io, whatever the order',
        annotations: { 'tagpilot.io/automated': 'false', 'fluxcd.io/automated': 'true' },
        key: 'automated',
        expected: 'false',
      },
      {
        name: 'fluxcd.io beats filter.fluxcd.io',
        annotations: { 'filter.fluxcd.io/app': 'glob:a*', 'fluxcd.io/tag.app': 'glob:b*' },
        key: 'tag.app',
        expected: 'glob:b*',
      },
      {
        name: 'filter.fluxcd.io beats flux.weave.works',
        annotations: { 'flux.weave.works/tag.app': 'glob:a*', 'filter.fluxcd.io/app': 'glob:b*' },
        key: 'tag.app',
        expected: 'glob:b*',
      },
      {
        name: 'other prefixes are not read',
        annotations: { 'example.com/automated': 'true' },
        key: 'automated',
      },
      { name: 'a bare prefix is not a key', annotations: { 'tagpilot.io/': 'true' }, key: '' },
    ];
  for (const row of table) {
    test(row.name, () => {
      assert.equal(resolveAnnotations(row.annotations).get(row.key), row.expected);
    });
  }

  test('a tagpilot.io vs flux.weave.works conflict on one workload: tagpilot.io wins everywhere', () => {
    const [workload] = workloadsOf(
      manifest(
        'apps/v1',
        'Deployment',
        ['spec', 'template', 'spec'],
        [
          "flux.weave.works/automated: 'true'",
          'flux.weave.works/tag.app: glob:develop-*',
          "flux.weave.works/locked: 'true'",
          'tagpilot.io/automated: "false"',
          'tagpilot.io/tag.app: semver:^1.2',
          'tagpilot.io/locked: "false"',
        ],
      ),
    );
    assert.equal(workload?.automated, false);
    assert.equal(workload?.locked, false);
    assert.equal(workload?.containers[0]?.filter, 'semver:^1.2');
  });
});

describe('annotations: settings', () => {
  test('every setting, read from its annotation', () => {
    const [workload] = workloadsOf(
      manifest(
        'apps/v1',
        'Deployment',
        ['spec', 'template', 'spec'],
        [
          'tagpilot.io/automated: "true"',
          'tagpilot.io/locked: "TRUE"',
          'tagpilot.io/locked_msg: "incident 42: hold"',
          'tagpilot.io/ignore: sync_only',
          'tagpilot.io/tag.app: "regex:^v(?<version>[0-9]+)$"',
          'tagpilot.io/sort.app: numerical:asc',
          'tagpilot.io/policy.app: apps/app-policy',
          'tagpilot.io/digest.app: "true"',
        ],
      ),
    );
    assert.ok(workload !== undefined);
    assert.deepEqual(
      [workload.automated, workload.locked, workload.lockedMessage, workload.ignore],
      [true, true, 'incident 42: hold', 'sync_only'],
    );
    const [app] = workload.containers;
    assert.deepEqual(
      [app?.filter, app?.sort, app?.policyRef, app?.digest],
      ['regex:^v(?<version>[0-9]+)$', 'numerical:asc', { namespace: 'apps', name: 'app-policy' }, true],
    );
  });

  const ignoreTable: Array<[string, string | undefined]> = [
    ['"true"', 'true'],
    ['sync_only', 'sync_only'],
    ['"false"', undefined],
    ['maybe', undefined],
  ];
  for (const [value, expected] of ignoreTable) {
    test(`ignore: ${value} -> ${expected}`, () => {
      const [workload] = workloadsOf(
        manifest('v1', 'Pod', ['spec'], [`fluxcd.io/ignore: ${value}`]).replace(
          'name: w',
          'name: w\n  namespace: n',
        ),
      );
      assert.equal(workload?.ignore, expected);
    });
  }

  test('policy.<container> without a namespace takes the workload namespace', () => {
    const content = manifest('v1', 'Pod', ['spec'], ['tagpilot.io/policy.app: mine']).replace(
      'name: w',
      'name: w\n  namespace: team',
    );
    const [workload] = workloadsOf(content);
    assert.deepEqual(workload?.containers[0]?.policyRef, { namespace: 'team', name: 'mine' });
  });
});

describe('findWorkloads: pull secrets of the pod spec', () => {
  const cases: { name: string; podSpec: string[]; expected: unknown }[] = [
    {
      name: 'none named: the implicit default ServiceAccount',
      podSpec: [],
      expected: { secretNames: [], implicitServiceAccountName: 'default' },
    },
    {
      name: 'imagePullSecrets and serviceAccountName',
      podSpec: ['imagePullSecrets: [{name: regcred}, {name: other}]', 'serviceAccountName: builder'],
      expected: { secretNames: ['regcred', 'other'], serviceAccountName: 'builder' },
    },
    {
      name: 'the deprecated serviceAccount field',
      podSpec: ['serviceAccount: legacy'],
      expected: { secretNames: [], serviceAccountName: 'legacy' },
    },
  ];
  for (const { name, podSpec, expected } of cases) {
    test(name, () => {
      const content = [
        'apiVersion: batch/v1',
        'kind: CronJob',
        'metadata: {name: nightly}',
        'spec:',
        '  jobTemplate:',
        '    spec:',
        '      template:',
        '        spec:',
        ...podSpec.map((line) => `          ${line}`),
        '          containers: [{name: job, image: "busybox:1"}]',
        '',
      ].join('\n');
      const [workload] = findWorkloads(readManifests([{ path: 'cron.yaml', content }]));
      assert.deepEqual(workload?.pullSecrets, expected);
    });
  }
});
