import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppliedChange } from '../manifests/index.ts';
import {
  type CommitChange,
  formatCommitMessage,
  toCommitChanges,
  unknownPlaceholders,
} from './commit-message.ts';

const flask: CommitChange = {
  file: 'deployment.yaml',
  workload: 'my-demo:deployment/fluxdemo',
  container: 'flask',
  oldImage: 'reg:5000/flaskapp:develop-v1.8.0',
  newImage: 'reg:5000/flaskapp:develop-v1.9.0',
  image: 'reg:5000/flaskapp:develop-v1.9.0',
};
const worker: CommitChange = {
  file: 'apps/worker.yaml',
  workload: 'apps:statefulset/worker',
  container: 'main',
  oldImage: 'reg/worker:1.0.0',
  newImage: 'reg/worker:1.1.0',
  image: 'reg/worker:1.1.0',
};
const marker: CommitChange = {
  file: 'apps/release.yaml',
  policy: 'apps:podinfo:tag',
  oldImage: '6.0.0',
  newImage: '6.1.0',
  image: 'ghcr.io/stefanprodan/podinfo:6.1.0',
};

describe('formatCommitMessage (default)', () => {
  const cases: { name: string; changes: CommitChange[]; expected: string }[] = [
    {
      name: 'one change: the released image only',
      changes: [flask],
      expected: 'Auto-release reg:5000/flaskapp:develop-v1.9.0',
    },
    {
      name: 'several images: a count, a blank line, one line per change',
      changes: [flask, worker, marker],
      expected: [
        'Auto-release 3 images',
        '',
        '- deployment.yaml: my-demo:deployment/fluxdemo flask: reg:5000/flaskapp:develop-v1.8.0 -> reg:5000/flaskapp:develop-v1.9.0',
        '- apps/worker.yaml: apps:statefulset/worker main: reg/worker:1.0.0 -> reg/worker:1.1.0',
        '- apps/release.yaml: $imagepolicy apps:podinfo:tag: 6.0.0 -> 6.1.0',
      ].join('\n'),
    },
    {
      name: 'one image written in two places: the image as summary, then the lines',
      changes: [flask, { ...flask, file: 'other.yaml' }],
      expected: [
        'Auto-release reg:5000/flaskapp:develop-v1.9.0',
        '',
        '- deployment.yaml: my-demo:deployment/fluxdemo flask: reg:5000/flaskapp:develop-v1.8.0 -> reg:5000/flaskapp:develop-v1.9.0',
        '- other.yaml: my-demo:deployment/fluxdemo flask: reg:5000/flaskapp:develop-v1.8.0 -> reg:5000/flaskapp:develop-v1.9.0',
      ].join('\n'),
    },
  ];
  for (const { name, changes, expected } of cases) {
    it(name, () => assert.equal(formatCommitMessage(changes), expected));
  }
});

describe('formatCommitMessage (templates)', () => {
  const cases: { name: string; template: string; changes: CommitChange[]; expected: string }[] = [
    {
      name: 'summary and changes placeholders',
      template: '[ci skip] {{summary}}\n\n{{changes}}',
      changes: [flask],
      expected:
        '[ci skip] Auto-release reg:5000/flaskapp:develop-v1.9.0\n\n- deployment.yaml: my-demo:deployment/fluxdemo flask: reg:5000/flaskapp:develop-v1.8.0 -> reg:5000/flaskapp:develop-v1.9.0',
    },
    {
      name: 'images, count and files, with spaces inside the braces',
      template: 'Update {{ count }} ({{images}}) in {{ files }}',
      changes: [worker, marker],
      expected:
        'Update 2 (reg/worker:1.1.0, ghcr.io/stefanprodan/podinfo:6.1.0) in apps/worker.yaml, apps/release.yaml',
    },
    {
      name: 'unknown placeholders and code-looking text stay as written',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: checks that JS template syntax is not evaluated
      template: '{{constructor}} {{summary}} ${process.env.HOME} {{ a.b }}',
      changes: [flask],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the same text, unchanged
      expected: '{{constructor}} Auto-release reg:5000/flaskapp:develop-v1.9.0 ${process.env.HOME} {{ a.b }}',
    },
    {
      name: 'a blank result falls back to the default',
      template: '  \n ',
      changes: [flask],
      expected: 'Auto-release reg:5000/flaskapp:develop-v1.9.0',
    },
  ];
  for (const { name, template, changes, expected } of cases) {
    it(name, () => assert.equal(formatCommitMessage(changes, template), expected));
  }

  it('a function template receives the changes', () => {
    const message = formatCommitMessage([flask, worker], (changes) =>
      changes.map((c) => `${c.container}=${c.newImage}`).join(' '),
    );
    assert.equal(message, 'flask=reg:5000/flaskapp:develop-v1.9.0 main=reg/worker:1.1.0');
  });

  it('unknownPlaceholders lists what a template cannot fill', () => {
    assert.deepEqual(unknownPlaceholders('{{summary}} {{nope}} {{ nope }} {{toString}}'), [
      'nope',
      'toString',
    ]);
    assert.deepEqual(unknownPlaceholders('{{ summary }}\n\n{{changes}}'), []);
  });
});

describe('toCommitChanges', () => {
  const base = { line: 3, oldImage: 'a', newImage: 'b' };
  it('renders workloads as ns:kind/name and markers as ns:name[:field], with the released repo:tag', () => {
    const applied: AppliedChange[] = [
      {
        ...base,
        path: 'd.yaml',
        workload: { kind: 'Deployment', namespace: 'my-demo', name: 'fluxdemo' },
        container: 'flask',
        update: {
          target: {
            type: 'container',
            path: 'd.yaml',
            workload: { kind: 'Deployment', namespace: 'my-demo', name: 'fluxdemo' },
            container: 'flask',
          },
          image: { repo: 'reg/flask', tag: '1.9.0', digest: 'sha256:abc' },
        },
      },
      {
        ...base,
        path: 'hr.yaml',
        marker: { namespace: 'apps', name: 'podinfo', field: 'image' },
        update: {
          target: { type: 'marker', policy: { namespace: 'apps', name: 'podinfo' } },
          image: { repo: 'reg/podinfo', tag: '6.1.0' },
        },
      },
      {
        ...base,
        path: 'pod.yaml',
        workload: { kind: 'Pod', namespace: undefined, name: 'solo' },
        container: 'c',
        update: {
          target: {
            type: 'container',
            path: 'pod.yaml',
            workload: { kind: 'Pod', namespace: undefined, name: 'solo' },
            container: 'c',
          },
          image: { repo: 'reg/solo', tag: '', digest: 'sha256:def' },
        },
      },
    ];
    assert.deepEqual(toCommitChanges(applied), [
      {
        file: 'd.yaml',
        workload: 'my-demo:deployment/fluxdemo',
        container: 'flask',
        oldImage: 'a',
        newImage: 'b',
        image: 'reg/flask:1.9.0',
      },
      { file: 'hr.yaml', policy: 'apps:podinfo', oldImage: 'a', newImage: 'b', image: 'reg/podinfo:6.1.0' },
      {
        file: 'pod.yaml',
        workload: ':pod/solo',
        container: 'c',
        oldImage: 'a',
        newImage: 'b',
        image: 'reg/solo',
      },
    ]);
  });
});
