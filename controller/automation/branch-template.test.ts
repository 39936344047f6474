import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageUpdate } from '../manifests/index.ts';
import {
  checkBranchTemplate,
  groupByBranch,
  isBranchTemplate,
  policyNameOf,
  renderBranch,
} from './branch-template.ts';

const image = { repo: 'registry/x', tag: 'v2' };
const marker = (namespace: string, name: string): ImageUpdate => ({
  target: { type: 'marker', policy: { namespace, name } },
  image,
});
const container = (kind: string, name: string, c: string, namespace?: string): ImageUpdate => ({
  target: { type: 'container', path: 'deploy.yaml', workload: { kind, namespace, name }, container: c },
  image,
});

describe('policyNameOf', () => {
  const table: { name: string; input: ImageUpdate; expected: string }[] = [
    {
      name: 'a marker of a policy in the GitSync namespace: its name',
      input: marker('apps', 'flask'),
      expected: 'flask',
    },
    {
      name: 'a marker of a policy elsewhere: namespace-name',
      input: marker('other', 'flask'),
      expected: 'other-flask',
    },
    {
      name: 'a workload container: kind-name-container, kind lower case',
      input: container('Deployment', 'fluxdemo', 'flask', 'my-demo'),
      expected: 'deployment-fluxdemo-flask',
    },
    {
      name: 'dots in a workload name stay',
      input: container('StatefulSet', 'db.v2', 'pg'),
      expected: 'statefulset-db.v2-pg',
    },
  ];
  for (const { name, input, expected } of table)
    it(name, () => assert.equal(policyNameOf(input, 'apps'), expected));
});

describe('branch templates', () => {
  it('isBranchTemplate', () => {
    assert.equal(isBranchTemplate('tagpilot/{{policy}}'), true);
    assert.equal(isBranchTemplate('tagpilot/flask'), false);
    assert.equal(isBranchTemplate(undefined), false);
  });
  it('renderBranch replaces every placeholder', () => {
    assert.equal(renderBranch('tagpilot/{{policy}}', 'flask'), 'tagpilot/flask');
    assert.equal(renderBranch('a-{{policy}}/{{policy}}', 'x'), 'a-x/x');
  });
  const checks: { name: string; input: string; ok: boolean }[] = [
    { name: 'the usual template', input: 'tagpilot/{{policy}}', ok: true },
    { name: 'a prefix and suffix', input: 'auto/{{policy}}-update', ok: true },
    { name: 'another placeholder', input: 'tagpilot/{{image}}', ok: false },
    { name: 'a stray brace', input: 'tagpilot/{{policy}}}', ok: false },
    { name: 'a refused character', input: 'tag pilot/{{policy}}', ok: false },
    { name: 'an empty component', input: 'tagpilot//{{policy}}', ok: false },
  ];
  for (const { name, input, ok } of checks) {
    it(`checkBranchTemplate: ${name}`, () => assert.equal(checkBranchTemplate(input) === undefined, ok));
  }
});

describe('groupByBranch', () => {
  it('one branch per image, in branch order, stable', () => {
    const updates = [
      marker('apps', 'worker'),
      container('Deployment', 'fluxdemo', 'flask', 'my-demo'),
      marker('apps', 'flask'),
    ];
    const groups = groupByBranch(updates, 'tagpilot/{{policy}}', 'apps');
    assert.deepEqual(
      groups.map((g) => [g.branch, g.policy, g.updates.length]),
      [
        ['tagpilot/deployment-fluxdemo-flask', 'deployment-fluxdemo-flask', 1],
        ['tagpilot/flask', 'flask', 1],
        ['tagpilot/worker', 'worker', 1],
      ],
    );
    assert.deepEqual(
      groupByBranch([...updates].reverse(), 'tagpilot/{{policy}}', 'apps'),
      groups.map((g) => g),
    );
  });
  it('updates whose names come out the same share one branch', () => {
    const groups = groupByBranch(
      [container('Deployment', 'web', 'app', 'staging'), container('Deployment', 'web', 'app', 'prod')],
      'tagpilot/{{policy}}',
      'apps',
    );
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.updates.length, 2);
  });
});
