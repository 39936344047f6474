// The CustomResourceDefinitions in crds/ install on a real API server, default and validate
// specs, and print the columns users read with kubectl.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeStack, startKube } from '../support/kube.ts';

const crds = join(import.meta.dirname, '..', '..', 'crds');

describe('tagpilot CRDs', () => {
  let kube: KubeStack;
  before(async () => {
    kube = await startKube();
    await kube.kubectl(['apply', '-k', crds]);
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/imagepolicies.tagpilot.io',
      'crd/gitsyncs.tagpilot.io',
      '--timeout=60s',
    ]);
    await kube.kubectl(['create', 'namespace', 'apps']);
  });
  after(async () => {
    await kube?.stop();
  });

  it('accepts an ImagePolicy, fills defaults, and prints IMAGE LATEST READY AGE', async () => {
    const policy = `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: flask, namespace: apps}
spec:
  image: 127.0.0.1:5000/flaskapp
  policy: {semver: {range: "^1.2"}}
`;
    await kube.kubectl(['apply', '-f', '-'], { input: policy });
    const { stdout } = await kube.kubectl(['get', 'imagepolicy', 'flask', '-n', 'apps', '-o', 'json']);
    const spec = (JSON.parse(stdout) as { spec: Record<string, unknown> }).spec;
    assert.equal(spec.interval, '5m');
    assert.equal(spec.digest, 'Never');
    assert.deepEqual(spec.policy, { semver: { range: '^1.2', includePrerelease: false } });
    const table = await kube.kubectl(['get', 'imagepolicies', '-n', 'apps']);
    assert.match(table.stdout.split('\n')[0] ?? '', /^NAME\s+IMAGE\s+LATEST\s+READY\s+AGE$/);
    assert.match(table.stdout, /flask\s+127\.0\.0\.1:5000\/flaskapp/);
  });

  it('rejects an ImagePolicy with two policy kinds, a tag in the image, or a bad interval', async () => {
    const cases = [
      [
        'two kinds',
        'image: app\n  policy: {semver: {range: "^1"}, glob: {pattern: "*"}}',
        /must have at most 1 items|maxProperties|at most 1/,
      ],
      ['tag in image', 'image: app:1.0\n  policy: {glob: {pattern: "*"}}', /must not carry a tag/],
      ['bad interval', 'image: app\n  interval: soon\n  policy: {glob: {pattern: "*"}}', /spec.interval/],
      ['no policy', 'image: app', /spec.policy: Required value/],
    ] as const;
    for (const [name, spec, expected] of cases) {
      const manifest = `apiVersion: tagpilot.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: bad, namespace: apps}\nspec:\n  ${spec}\n`;
      const result = await kube.kubectl(['apply', '-f', '-'], { input: manifest, allowFailure: true });
      assert.notEqual(result.code, 0, `${name} must be rejected`);
      assert.match(result.stderr, expected, name);
    }
  });

  it('accepts a GitSync with defaults and prints URL BRANCH COMMIT READY AGE', async () => {
    const gitsync = `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: demo, namespace: apps}
spec:
  url: http://127.0.0.1:8080/flux-demo.git
`;
    await kube.kubectl(['apply', '-f', '-'], { input: gitsync });
    const { stdout } = await kube.kubectl(['get', 'gitsync', 'demo', '-n', 'apps', '-o', 'json']);
    const spec = (JSON.parse(stdout) as { spec: Record<string, unknown> }).spec;
    assert.equal(spec.branch, 'main');
    assert.equal(spec.path, '.');
    assert.deepEqual(spec.sync, {
      enabled: true,
      prune: true,
      interval: '10m',
      revertDrift: true,
      wait: false,
      timeout: '5m',
    });
    assert.deepEqual(spec.automation, { enabled: true, interval: '5m' });
    const table = await kube.kubectl(['get', 'gitsyncs', '-n', 'apps']);
    assert.match(table.stdout.split('\n')[0] ?? '', /^NAME\s+URL\s+BRANCH\s+COMMIT\s+READY\s+AGE$/);
    const bad = gitsync.replace('http://', 'ftp://');
    const rejected = await kube.kubectl(['apply', '-f', '-'], { input: bad, allowFailure: true });
    assert.match(rejected.stderr, /spec.url/);
    const idle = `${gitsync.replace('demo', 'idle')}  sync: {enabled: false}\n  automation: {enabled: false}\n`;
    const refused = await kube.kubectl(['apply', '-f', '-'], { input: idle, allowFailure: true });
    assert.match(refused.stderr, /sync.enabled and automation.enabled are both false/);
    const writeBackOnly = `${gitsync.replace('demo', 'write-back')}  sync: {enabled: false}\n`;
    await kube.kubectl(['apply', '-f', '-'], { input: writeBackOnly });
  });

  it('push.branch admits exactly {{policy}} and no other braces', async () => {
    const withBranch = (name: string, branch: string) => `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: ${name}, namespace: apps}
spec:
  url: http://127.0.0.1:8080/flux-demo.git
  automation: {push: {branch: ${JSON.stringify(branch)}}}
`;
    for (const branch of ['tagpilot/{{policy}}', 'auto/{{policy}}-update', 'tagpilot/flask']) {
      const result = await kube.kubectl(['apply', '-f', '-'], {
        input: withBranch('ok', branch),
        allowFailure: true,
      });
      assert.equal(result.code, 0, `${branch}: ${result.stderr}`);
    }
    for (const branch of [
      'tagpilot/{{image}}',
      'tagpilot/{{policy}}}',
      'tagpilot/{policy}',
      '{{ policy }}',
    ]) {
      const result = await kube.kubectl(['apply', '-f', '-'], {
        input: withBranch('bad', branch),
        allowFailure: true,
      });
      assert.notEqual(result.code, 0, `${branch} must be rejected`);
      assert.match(result.stderr, /spec.automation.push.branch/, branch);
    }
  });

  it('explains its fields with kubectl explain', async () => {
    const { stdout } = await kube.kubectl(['explain', 'imagepolicy.spec.policy.semver']);
    assert.match(stdout, /Highest semantic version within a range/);
    const gs = await kube.kubectl(['explain', 'gitsync.spec.sync.prune']);
    assert.match(gs.stdout, /Delete objects that were applied before/);
  });
});
