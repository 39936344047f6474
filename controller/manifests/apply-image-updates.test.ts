import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageUpdate, ManifestFile, NewImage, WorkloadRef } from './index.ts';
import { applyImageUpdates } from './index.ts';

const deployment = (namespace: string | undefined, image: string, extra = ''): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    ...(namespace === undefined ? [] : [`  namespace: ${namespace}`]),
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: app',
    `          image: ${image}${extra}`,
    '',
  ].join('\n');

function containerUpdate(
  path: string,
  workload: WorkloadRef,
  container: string,
  image: NewImage,
): ImageUpdate {
  return { target: { type: 'container', path, workload, container }, image };
}

function markerUpdate(namespace: string, name: string, image: NewImage): ImageUpdate {
  return { target: { type: 'marker', policy: { namespace, name } }, image };
}

const web = (namespace?: string): WorkloadRef => ({ kind: 'Deployment', name: 'web', namespace });
const next = { repo: 'ghcr.io/a/web', tag: '2.0' };

describe('applyImageUpdates: targets', () => {
  const files: ManifestFile[] = [{ path: 'd.yaml', content: deployment('prod', 'ghcr.io/a/web:1.0') }];

  test('the change names file, line, workload, container, old and new image', () => {
    const update = containerUpdate('d.yaml', web('prod'), 'app', next);
    const result = applyImageUpdates(files, [update]);
    assert.deepEqual(result.changes, [
      {
        path: 'd.yaml',
        line: 11,
        workload: web('prod'),
        container: 'app',
        oldImage: 'ghcr.io/a/web:1.0',
        newImage: 'ghcr.io/a/web:2.0',
        update,
      },
    ]);
    assert.equal(files[0]?.content, deployment('prod', 'ghcr.io/a/web:1.0'), 'the input is not modified');
  });

  const misses: Array<[string, ImageUpdate]> = [
    ['another namespace', containerUpdate('d.yaml', web('dev'), 'app', next)],
    ['no namespace when the manifest has one', containerUpdate('d.yaml', web(), 'app', next)],
    [
      'another kind',
      containerUpdate('d.yaml', { kind: 'StatefulSet', name: 'web', namespace: 'prod' }, 'app', next),
    ],
    ['another container', containerUpdate('d.yaml', web('prod'), 'sidecar', next)],
    ['another file', containerUpdate('other.yaml', web('prod'), 'app', next)],
    ['a policy no marker names', markerUpdate('prod', 'web', next)],
  ];
  for (const [name, update] of misses) {
    test(`no target: ${name}`, () => {
      const result = applyImageUpdates(files, [update]);
      assert.deepEqual(result.files, []);
      assert.deepEqual(result.changes, []);
      assert.deepEqual(
        result.unapplied.map((u) => [u.code, u.update]),
        [['NO_TARGET', update]],
      );
    });
  }

  test('a workload without namespace is matched by an undefined namespace', () => {
    const result = applyImageUpdates(
      [{ path: 'd.yaml', content: deployment(undefined, 'ghcr.io/a/web:1.0') }],
      [containerUpdate('d.yaml', web(), 'app', next)],
    );
    assert.equal(result.files[0]?.content, deployment(undefined, 'ghcr.io/a/web:2.0'));
  });

  test('a marker policy is updated in every file that names it; other files are untouched', () => {
    const marked = deployment('prod', 'ghcr.io/a/web:1.0', ' # {"$imagepolicy": "prod:web"}');
    const input: ManifestFile[] = [
      { path: 'a.yaml', content: marked },
      { path: 'b.yaml', content: `values:\n  tag: "1.0" # {"$imagepolicy": "prod:web:tag"}\n` },
      { path: 'c.yaml', content: 'unrelated: {broken\n' },
    ];
    const result = applyImageUpdates(input, [markerUpdate('prod', 'web', next)]);
    assert.deepEqual(result.files, [
      { path: 'a.yaml', content: deployment('prod', 'ghcr.io/a/web:2.0', ' # {"$imagepolicy": "prod:web"}') },
      { path: 'b.yaml', content: `values:\n  tag: "2.0" # {"$imagepolicy": "prod:web:tag"}\n` },
    ]);
    assert.deepEqual(
      result.changes.map((c) => [c.path, c.marker?.field, c.oldImage, c.newImage]),
      [
        ['a.yaml', 'image', 'ghcr.io/a/web:1.0', 'ghcr.io/a/web:2.0'],
        ['b.yaml', 'tag', '1.0', '2.0'],
      ],
    );
    assert.deepEqual(result.problems, [], 'a file without markers is not read for a marker update');
  });

  test('only the files an update needs are parsed: a broken unrelated file is not reported', () => {
    const input = [...files, { path: 'broken.yaml', content: 'a: [\n' }];
    const result = applyImageUpdates(input, [containerUpdate('d.yaml', web('prod'), 'app', next)]);
    assert.deepEqual(result.problems, []);
    assert.equal(result.changes.length, 1);
  });
});

describe('applyImageUpdates: refusals', () => {
  test('two updates writing different values to one scalar: the first wins, the second is a CONFLICT', () => {
    const files = [{ path: 'd.yaml', content: deployment('prod', 'ghcr.io/a/web:1.0') }];
    const first = containerUpdate('d.yaml', web('prod'), 'app', next);
    const second = containerUpdate('d.yaml', web('prod'), 'app', { repo: 'ghcr.io/a/web', tag: '3.0' });
    const result = applyImageUpdates(files, [first, second]);
    assert.equal(result.files[0]?.content, deployment('prod', 'ghcr.io/a/web:2.0'));
    assert.deepEqual(
      result.unapplied.map((u) => [u.code, u.update]),
      [['CONFLICT', second]],
    );
  });

  test('a container update and a marker update agreeing on one scalar make one change', () => {
    const content = deployment('prod', 'ghcr.io/a/web:1.0', ' # {"$imagepolicy": "prod:web"}');
    const result = applyImageUpdates(
      [{ path: 'd.yaml', content }],
      [containerUpdate('d.yaml', web('prod'), 'app', next), markerUpdate('prod', 'web', next)],
    );
    assert.equal(result.changes.length, 1);
    assert.deepEqual(result.unapplied, []);
  });

  test('a :digest marker with an update that has no digest is NO_DIGEST; the others are written', () => {
    const content = 'a: x:1 # {"$imagepolicy": "ns:p"}\nd: sha256:00 # {"$imagepolicy": "ns:p:digest"}\n';
    const result = applyImageUpdates(
      [{ path: 'v.yaml', content }],
      [markerUpdate('ns', 'p', { repo: 'x', tag: '2' })],
    );
    assert.equal(result.files[0]?.content, content.replace('x:1', 'x:2'));
    assert.deepEqual(
      result.unapplied.map((u) => [u.code, u.path]),
      [['NO_DIGEST', 'v.yaml']],
    );
  });

  test('an image written as a block scalar is UNSUPPORTED_STYLE, and the file is not changed', () => {
    const content = deployment('prod', '>-\n            ghcr.io/a/web:1.0');
    const result = applyImageUpdates(
      [{ path: 'd.yaml', content }],
      [containerUpdate('d.yaml', web('prod'), 'app', next)],
    );
    assert.deepEqual(result.files, []);
    assert.deepEqual(
      result.unapplied.map((u) => [u.code, u.path, u.line]),
      [['UNSUPPORTED_STYLE', 'd.yaml', content.split('\n').findIndex((l) => l.includes('image:')) + 1]],
    );
  });

  test('an empty or null image is not a target (an insert there would break the line)', () => {
    for (const image of ['', ' ~', ' null']) {
      const content = deployment('prod', 'x').replace('image: x', `image:${image}`);
      const result = applyImageUpdates(
        [{ path: 'd.yaml', content }],
        [containerUpdate('d.yaml', web('prod'), 'app', next)],
      );
      assert.deepEqual(
        [result.files, result.unapplied.map((u) => u.code)],
        [[], ['NO_TARGET']],
        JSON.stringify(image),
      );
    }
  });

  test('a null value with a marker is filled in, as a string', () => {
    const content = 'tag: ~ # {"$imagepolicy": "ns:p:tag"}\n';
    const result = applyImageUpdates(
      [{ path: 'v.yaml', content }],
      [markerUpdate('ns', 'p', { repo: 'r', tag: '1.2' })],
    );
    assert.equal(result.files[0]?.content, 'tag: "1.2" # {"$imagepolicy": "ns:p:tag"}\n');
  });

  test('an alias image already at the new value is not a refusal (idempotent re-runs stay quiet)', () => {
    const content = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  containers:',
      '    - {name: a, image: &img "ghcr.io/a/web:2.0"}',
      '    - {name: b, image: *img}',
      '',
    ].join('\n');
    const pod = { kind: 'Pod', name: 'p', namespace: undefined };
    const result = applyImageUpdates(
      [{ path: 'p.yaml', content }],
      [containerUpdate('p.yaml', pod, 'b', next)],
    );
    assert.deepEqual([result.files, result.changes, result.unapplied], [[], [], []]);
  });
});
