import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyImageUpdates, createManifestCache, readManifests, toKubeObjects } from './index.ts';

describe('readManifests', () => {
  test('reads every document of a multi-document file, counting indexes from 0', () => {
    const set = readManifests([
      { path: 'a.yaml', content: '---\na: 1\n---\n# only a comment\n---\nb: [1, 2]\n...\n' },
    ]);
    assert.deepEqual(set.problems, []);
    assert.deepEqual(
      set.files[0]?.documents.map((d) => [d.index, d.doc.toJS()]),
      [
        [0, { a: 1 }],
        [1, null],
        [2, { b: [1, 2] }],
      ],
    );
  });

  test('a broken document is a problem with its line; the other documents and files proceed', () => {
    const set = readManifests([
      { path: 'bad.yaml', content: 'a: 1\n---\nb: {unclosed\nc: 2\n---\nd: 4\n' },
      { path: 'good.yaml', content: 'e: 5\n' },
    ]);
    assert.equal(set.problems.length, 1);
    const [problem] = set.problems;
    assert.equal(problem?.path, 'bad.yaml');
    assert.ok(problem !== undefined && problem.line >= 3 && problem.line <= 5, `line ${problem?.line}`);
    assert.match(problem?.message ?? '', /^document 1 skipped: /);
    assert.deepEqual(
      set.files.flatMap((f) => f.documents.map((d) => `${f.path}#${d.index}`)),
      ['bad.yaml#0', 'bad.yaml#2', 'good.yaml#0'],
    );
  });

  test('tabs as indentation and duplicate keys are problems, not crashes', () => {
    const set = readManifests([
      { path: 'tabs.yaml', content: 'a:\n\tb: 1\n' },
      { path: 'dup.yaml', content: 'a: 1\na: 2\n' },
    ]);
    assert.deepEqual(
      set.problems.map((p) => p.path),
      ['tabs.yaml', 'dup.yaml'],
    );
  });

  test('a BOM and CRLF line endings are read; line numbers count CRLF lines', () => {
    const set = readManifests([{ path: 'w.yaml', content: '\uFEFFa: 1\r\nb:\r\n  - x\r\na: 2\r\n' }]);
    assert.equal(set.problems[0]?.line, 4, 'the duplicate key is on line 4');
    const plain = readManifests([{ path: 'w.yaml', content: '\uFEFFa: 1\r\nb:\r\n  - x\r\n' }]);
    assert.deepEqual(plain.files[0]?.documents[0]?.doc.toJS(), { a: 1, b: ['x'] });
  });

  test('empty files and files of only comments have no documents and no problems', () => {
    const set = readManifests([
      { path: 'empty.yaml', content: '' },
      { path: 'comment.yaml', content: '# nothing here\n' },
    ]);
    assert.deepEqual(set.problems, []);
    assert.deepEqual(
      set.files.map((f) => f.documents.filter((d) => d.doc.contents !== null).length),
      [0, 0],
    );
  });
});

describe('toKubeObjects', () => {
  test('renders documents with apiVersion and kind, with path and index; skips non-objects, reports half objects', () => {
    const set = readManifests([
      {
        path: 'all.yaml',
        content:
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\njust: data\n---\n- a list\n---\nkind: x\n',
      },
      { path: 'ns.yaml', content: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n' },
    ]);
    const { objects, problems } = toKubeObjects(set);
    // `kind: x` without apiVersion is most likely a typo: a problem, so nothing is pruned over it.
    assert.deepEqual(problems, [
      { path: 'all.yaml', line: 9, message: 'document 3 has kind but no string apiVersion' },
    ]);
    assert.deepEqual(
      objects.map((o) => [o.path, o.index, o.apiVersion, o.kind, o.object.metadata]),
      [
        ['all.yaml', 0, 'v1', 'ConfigMap', { name: 'a' }],
        ['ns.yaml', 0, 'v1', 'Namespace', { name: 'demo' }],
      ],
    );
  });

  test('values follow YAML 1.1 like kubectl: octal modes, merge keys, timestamps stay strings', () => {
    const content = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: p',
      '  annotations:',
      '    created: 2024-01-02',
      'x-defaults: &defaults {restartPolicy: Never}',
      'spec:',
      '  <<: *defaults',
      '  volumes:',
      '    - name: v',
      '      secret: {secretName: s, defaultMode: 0644}',
      '',
    ].join('\n');
    const [pod] = toKubeObjects(readManifests([{ path: 'p.yaml', content }])).objects;
    assert.deepEqual(pod?.object.spec, {
      restartPolicy: 'Never',
      volumes: [{ name: 'v', secret: { secretName: 's', defaultMode: 0o644 } }],
    });
    assert.deepEqual(pod?.object.metadata, { name: 'p', annotations: { created: '2024-01-02' } });
  });

  test('a document JS cannot hold (merge of a scalar) is a problem, not a crash', () => {
    const content = 'apiVersion: v1\nkind: Pod\nbase: &b 1\nspec:\n  <<: *b\n';
    const { objects, problems } = toKubeObjects(readManifests([{ path: 'm.yaml', content }]));
    assert.deepEqual(objects, []);
    assert.deepEqual(problems, [
      { path: 'm.yaml', line: 1, message: 'document 0 skipped: Merge sources must be maps or map aliases' },
    ]);
  });
});

describe('ManifestCache', () => {
  const a = { path: 'a.yaml', content: 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n' };
  const b = { path: 'b.yaml', content: 'x: {broken\n' };

  test('unchanged files are not parsed again; changed ones are; gone ones are forgotten', () => {
    const cache = createManifestCache();
    const first = readManifests([a, b], { cache });
    const second = readManifests([a, b], { cache });
    assert.equal(second.files[0], first.files[0], 'the same parse is reused');
    assert.deepEqual(second.problems, first.problems, 'cached problems are reported again');
    const changed = { ...a, content: a.content.replace('name: a', 'name: c') };
    const third = readManifests([changed], { cache });
    assert.notEqual(third.files[0], first.files[0]);
    assert.deepEqual([...cache.entries.keys()], ['a.yaml']);
    assert.equal(cache.entries.get('a.yaml')?.content, changed.content);
  });

  test('applyImageUpdates gives the same result with a warm cache', () => {
    const content =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: c, image: r:1}\n';
    const files = [{ path: 'p.yaml', content }];
    const update = {
      target: {
        type: 'container' as const,
        path: 'p.yaml',
        workload: { kind: 'Pod', name: 'p', namespace: undefined },
        container: 'c',
      },
      image: { repo: 'r', tag: '2' },
    };
    const cache = createManifestCache();
    readManifests(files, { cache });
    const warm = applyImageUpdates(files, [update], { cache });
    assert.deepEqual(warm, applyImageUpdates(files, [update]));
    assert.equal(warm.files[0]?.content, content.replace('r:1', 'r:2'));
  });
});
