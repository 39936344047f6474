import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../kube/types.ts';
import { describeChanges, diffObjects } from './diff.ts';

const object = (fields: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', ...metadata },
  ...fields,
});

describe('diffObjects', () => {
  const cases: {
    name: string;
    before: KubeObject;
    after: KubeObject;
    expected: [string, string, string][];
  }[] = [
    {
      name: 'a changed scalar',
      before: object({ spec: { replicas: 4 } }),
      after: object({ spec: { replicas: 1 } }),
      expected: [['spec.replicas', '4', '1']],
    },
    {
      name: 'status and volatile metadata are ignored',
      before: object(
        { spec: { replicas: 1 }, status: { replicas: 3 } },
        { resourceVersion: '1', generation: 2, managedFields: [] },
      ),
      after: object(
        { spec: { replicas: 1 }, status: { replicas: 1 } },
        { resourceVersion: '9', generation: 3 },
      ),
      expected: [],
    },
    {
      name: 'an added label, keyed with dots and slashes in brackets',
      before: object({}, { labels: { app: 'web', 'app.kubernetes.io/name': 'x' } }),
      after: object({}, { labels: { app: 'web' } }),
      expected: [['metadata.labels[app.kubernetes.io/name]', 'x', '(absent)']],
    },
    {
      name: 'named list items are matched by name, not position',
      before: object({
        spec: {
          containers: [
            { name: 'b', image: 'b:1' },
            { name: 'a', image: 'a:2' },
          ],
        },
      }),
      after: object({
        spec: {
          containers: [
            { name: 'a', image: 'a:1' },
            { name: 'b', image: 'b:1' },
          ],
        },
      }),
      expected: [['spec.containers[name=a].image', 'a:2', 'a:1']],
    },
    {
      name: 'unnamed lists of different length change as a whole',
      before: object({ spec: { args: ['x'] } }),
      after: object({ spec: { args: ['x', 'y'] } }),
      expected: [['spec.args', '["x"]', '["x","y"]']],
    },
    {
      name: 'a new object: every field is added',
      before: object({ spec: {} }),
      after: object({ spec: { paused: true } }),
      expected: [['spec.paused', '(absent)', 'true']],
    },
  ];
  for (const { name, before, after, expected } of cases) {
    it(name, () => {
      assert.deepEqual(
        diffObjects(before, after).map((c) => [c.path, c.from, c.to]),
        expected,
      );
    });
  }

  it('never shows Secret values', () => {
    const secret = (data: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data,
    });
    const changes = diffObjects(
      secret({ password: 'aHVudGVyMg==' }),
      secret({ password: 'c2VjcmV0', token: 'eA==' }),
    );
    assert.deepEqual(
      changes.map((c) => [c.path, c.from, c.to]),
      [
        ['data.password', '(redacted)', '(redacted)'],
        ['data.token', '(absent)', '(redacted)'],
      ],
    );
  });

  it('never shows the Secret copy in last-applied-configuration', () => {
    const secret = (annotations: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', annotations },
    });
    const lastApplied = {
      'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}',
    };
    const changes = diffObjects(secret({ ...lastApplied, team: 'ops' }), secret({}));
    assert.deepEqual(
      changes.map((c) => [c.path, c.from, c.to]),
      [
        ['metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]', '(redacted)', '(absent)'],
        ['metadata.annotations.team', 'ops', '(absent)'],
      ],
    );
  });

  it('cuts long values and summarises many changes', () => {
    const [change] = diffObjects(object({ spec: { x: 'a'.repeat(100) } }), object({ spec: { x: 'b' } }));
    assert.equal(change?.from.length, 60);
    assert.equal(
      describeChanges([
        { path: 'a', from: '1', to: '2' },
        { path: 'b', from: '1', to: '2' },
        { path: 'c', from: '1', to: '2' },
        { path: 'd', from: '1', to: '2' },
      ]),
      'a 1 -> 2, b 1 -> 2, c 1 -> 2, and 1 more',
    );
  });
});
