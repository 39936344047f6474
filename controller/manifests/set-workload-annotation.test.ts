import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { WorkloadRef } from './index.ts';
import { findWorkloads, readManifests, setWorkloadAnnotation } from './index.ts';

const demo = readFileSync(join(import.meta.dirname, 'testdata/flux-demo/original/deployment.yaml'), 'utf8');
const fluxdemo = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'my-demo', name: 'fluxdemo' };
const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: undefined, name: 'web' };

const head = 'apiVersion: apps/v1\nkind: Deployment\n';
const tail = 'spec:\n  replicas: 1\n';

interface Row {
  name: string;
  before: string;
  key: string;
  value: string | undefined;
  after: string;
  workload?: WorkloadRef & { apiVersion: string };
}

const rows: Row[] = [
  {
    name: 'changes a value in place, keeping its quotes',
    before: `${head}metadata:\n  name: web\n  annotations:\n    tagpilot.io/automated: "false" # on\n${tail}`,
    key: 'automated',
    value: 'true',
    after: `${head}metadata:\n  name: web\n  annotations:\n    tagpilot.io/automated: "true" # on\n${tail}`,
  },
  {
    name: 'changes the key under every prefix that has it',
    before: `${head}metadata:\n  name: web\n  annotations:\n    fluxcd.io/tag.app: glob:*\n    filter.fluxcd.io/app: glob:*\n${tail}`,
    key: 'tag.app',
    value: 'semver:^2',
    after: `${head}metadata:\n  name: web\n  annotations:\n    fluxcd.io/tag.app: semver:^2\n    filter.fluxcd.io/app: semver:^2\n${tail}`,
  },
  {
    name: 'adds a key under an existing annotations map at its indentation',
    before: `${head}metadata:\n    name: web\n    annotations:\n        team: shop\n${tail}`,
    key: 'locked',
    value: 'true',
    after: `${head}metadata:\n    name: web\n    annotations:\n        team: shop\n        tagpilot.io/locked: "true"\n${tail}`,
  },
  {
    name: 'creates annotations at the end of metadata when missing',
    before: `${head}metadata:\n  name: web\n  labels:\n    app: web\n${tail}`,
    key: 'automated',
    value: 'true',
    after: `${head}metadata:\n  name: web\n  labels:\n    app: web\n  annotations:\n    tagpilot.io/automated: "true"\n${tail}`,
  },
  {
    name: 'fills an empty annotations key',
    before: `${head}metadata:\n  name: web\n  annotations:\n${tail}`,
    key: 'automated',
    value: 'true',
    after: `${head}metadata:\n  name: web\n  annotations:\n    tagpilot.io/automated: "true"\n${tail}`,
  },
  {
    name: 'removes the line',
    before: `${head}metadata:\n  name: web\n  annotations:\n    a: b\n    tagpilot.io/locked: "true"\n    c: d\n${tail}`,
    key: 'locked',
    value: undefined,
    after: `${head}metadata:\n  name: web\n  annotations:\n    a: b\n    c: d\n${tail}`,
  },
  {
    name: 'removes every prefix, and the annotations map once it is empty',
    before: `${head}metadata:\n  name: web\n  annotations:\n    fluxcd.io/locked: "true"\n    tagpilot.io/locked: "true"\n  labels: {}\n${tail}`,
    key: 'locked',
    value: undefined,
    after: `${head}metadata:\n  name: web\n  labels: {}\n${tail}`,
  },
  {
    name: 'removing a key that is not there changes nothing',
    before: `${head}metadata:\n  name: web\n${tail}`,
    key: 'locked',
    value: undefined,
    after: `${head}metadata:\n  name: web\n${tail}`,
  },
  {
    name: 'flow-style annotations: add and keep flow',
    before: `${head}metadata: {name: web, annotations: {a: b}}\n${tail}`,
    key: 'tag.app',
    value: 'glob:v*',
    after: `${head}metadata: {name: web, annotations: {a: b, tagpilot.io/tag.app: glob:v*}}\n${tail}`,
  },
  {
    name: 'flow-style annotations: remove',
    before: `${head}metadata: {name: web, annotations: {tagpilot.io/automated: "true", a: b}}\n${tail}`,
    key: 'automated',
    value: undefined,
    after: `${head}metadata: {name: web, annotations: {a: b}}\n${tail}`,
  },
  {
    name: 'flow-style metadata without annotations',
    before: `${head}metadata: {name: web}\n${tail}`,
    key: 'automated',
    value: 'true',
    after: `${head}metadata: {name: web, annotations: {tagpilot.io/automated: "true"}}\n${tail}`,
  },
  {
    name: 'a full key is written as given',
    before: `${head}metadata:\n  name: web\n  annotations:\n    a: b\n${tail}`,
    key: 'example.com/owner',
    value: 'team shop',
    after: `${head}metadata:\n  name: web\n  annotations:\n    a: b\n    example.com/owner: team shop\n${tail}`,
  },
  {
    name: 'CRLF files get CRLF lines; a file without a final newline stays valid',
    before: `${head}metadata:\r\n  name: web\r\n  annotations:\r\n    a: b`.replaceAll(/(?<!\r)\n/g, '\r\n'),
    key: 'automated',
    value: 'true',
    after:
      `${head}metadata:\r\n  name: web\r\n  annotations:\r\n    a: b\r\n    tagpilot.io/automated: "true"`.replaceAll(
        /(?<!\r)\n/g,
        '\r\n',
      ),
  },
  {
    name: 'the right document of a multi-document file',
    before: `${head}metadata:\n  name: other\n---\n${head}metadata:\n  name: web\n---\n${head}metadata:\n  name: web\n  namespace: x\n`,
    key: 'automated',
    value: 'true',
    after: `${head}metadata:\n  name: other\n---\n${head}metadata:\n  name: web\n  annotations:\n    tagpilot.io/automated: "true"\n---\n${head}metadata:\n  name: web\n  namespace: x\n`,
  },
];

describe('setWorkloadAnnotation', () => {
  for (const row of rows) {
    test(row.name, () => {
      const result = setWorkloadAnnotation(
        { path: 'w.yaml', content: row.before },
        row.workload ?? web,
        row.key,
        row.value,
      );
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.content, row.after);
      assert.equal(result.changed, row.before !== row.after);
      assert.deepEqual(readManifests([{ path: 'w.yaml', content: result.content }]).problems, []);
    });
  }

  test('flux demo: a new tag.<c> keeps the flux.weave.works prefix and the single quotes', () => {
    const locked = setWorkloadAnnotation({ path: 'd.yaml', content: demo }, fluxdemo, 'locked', 'true');
    assert.ok(locked.ok);
    assert.deepEqual(locked.keys, ['flux.weave.works/locked']);
    const expected = demo.replace(
      '    flux.weave.works/tag.flask: glob:develop-v*\n',
      "    flux.weave.works/tag.flask: glob:develop-v*\n    flux.weave.works/locked: 'true'\n",
    );
    assert.equal(locked.content, expected);
    const [workload] = findWorkloads(readManifests([{ path: 'd.yaml', content: locked.content }]));
    assert.equal(workload?.locked, true);
  });

  test('flux demo: changing the filter edits only that line; unlocking twice is a no-op', () => {
    const filter = setWorkloadAnnotation(
      { path: 'd.yaml', content: demo },
      fluxdemo,
      'tag.flask',
      'semver:~1.9',
    );
    assert.ok(filter.ok);
    assert.equal(filter.content, demo.replace('tag.flask: glob:develop-v*', 'tag.flask: semver:~1.9'));
    const unlock = setWorkloadAnnotation({ path: 'd.yaml', content: demo }, fluxdemo, 'locked', undefined);
    assert.deepEqual(unlock, { ok: true, content: demo, changed: false, keys: [] });
  });

  test('an object that is not in the file is NO_OBJECT', () => {
    const result = setWorkloadAnnotation({ path: 'd.yaml', content: demo }, web, 'automated', 'true');
    assert.equal(result.ok ? 'ok' : result.code, 'NO_OBJECT');
  });

  test('a custom resource of kind Deployment with the same name is never edited instead', () => {
    const custom = 'apiVersion: example.com/v1\nkind: Deployment\nmetadata:\n  name: web\n';
    const before = `${custom}---\n${head}metadata:\n  name: web\n${tail}`;
    const result = setWorkloadAnnotation({ path: 'w.yaml', content: before }, web, 'automated', 'true');
    assert.ok(result.ok, JSON.stringify(result));
    const annotated = `${head}metadata:\n  name: web\n  annotations:\n    tagpilot.io/automated: "true"\n${tail}`;
    assert.equal(result.content, `${custom}---\n${annotated}`);
    const alone = setWorkloadAnnotation({ path: 'w.yaml', content: custom }, web, 'automated', 'true');
    assert.equal(alone.ok ? 'ok' : alone.code, 'NO_OBJECT');
  });

  test('a workload inside a kind: List document is edited in place', () => {
    const item = (name: string, annotations: string[]) =>
      [
        '  - apiVersion: apps/v1',
        '    kind: Deployment',
        '    metadata:',
        `      name: ${name}`,
        ...annotations,
        '    spec: {replicas: 1}',
      ].join('\n');
    const list = (annotations: string[]) =>
      `apiVersion: v1\nkind: List\nitems:\n${item('other', [])}\n${item('web', annotations)}\n`;
    const result = setWorkloadAnnotation({ path: 'l.yaml', content: list([]) }, web, 'automated', 'true');
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.content, list(['      annotations:', '        tagpilot.io/automated: "true"']));
    const [, found] = findWorkloads(readManifests([{ path: 'l.yaml', content: result.content }]));
    assert.equal(found?.automated, true);
  });

  test('annotations that are not a map are UNSUPPORTED, not overwritten', () => {
    const content = `${head}metadata:\n  name: web\n  annotations: [a]\n`;
    const result = setWorkloadAnnotation({ path: 'w.yaml', content }, web, 'automated', 'true');
    assert.equal(result.ok ? 'ok' : result.code, 'UNSUPPORTED');
  });
});
