import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findMarkers, findWorkloads, readManifests } from '../manifests/index.ts';
import { type FakeRepository, fakeScanner } from './fake-scanner.test-support.ts';
import type { ImageScanner } from './image-scanner.ts';
import { type PlanInput, type PolicyState, planImageUpdates } from './plan-updates.ts';

const fixture = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'flux-demo', 'deployment.yaml');
const demo = readFileSync(fixture, 'utf8').replace('REGISTRY_HOST', 'reg.test');

/** An in-memory ImageScanner: repository -> tag -> build time ('' for none). */
function scanner(repos: Record<string, Record<string, string>>, calls: string[] = []): ImageScanner {
  const fake = Object.fromEntries(
    Object.entries(repos).map(([name, tags]) => [
      name,
      { tags: Object.fromEntries(Object.entries(tags).map(([tag, time]) => [tag, time || null])) },
    ]),
  );
  return fakeScanner(fake, calls);
}

function plan(files: { path: string; content: string }[], input: Partial<PlanInput>) {
  const set = readManifests(files);
  return planImageUpdates({
    workloads: findWorkloads(set),
    markers: findMarkers(set).markers,
    policies: new Map(),
    scanner: scanner({}),
    ...input,
  });
}

const flask = {
  'develop-v1.8.0': '2026-01-01T00:00:00Z',
  'develop-v1.9.0': '2026-02-01T00:00:00Z',
  'release-v2.0.0': '2026-03-01T00:00:00Z',
  latest: '2026-03-02T00:00:00Z',
};

describe('planImageUpdates', () => {
  it('updates flask to the newest develop-v* build in the flux demo and leaves nginx alone', async () => {
    const calls: string[] = [];
    const result = await plan([{ path: 'deployment.yaml', content: demo }], {
      scanner: scanner({ 'reg.test/flaskapp': flask }, calls),
    });
    assert.equal(result.automatedWorkloads, 1);
    assert.deepEqual(result.updates, [
      {
        target: {
          type: 'container',
          path: 'deployment.yaml',
          workload: { kind: 'Deployment', namespace: 'my-demo', name: 'fluxdemo' },
          container: 'flask',
        },
        image: { repo: 'reg.test/flaskapp', tag: 'develop-v1.9.0' },
      },
    ]);
    const outcomes = Object.fromEntries(result.decisions.map((d) => [d.container, d.outcome]));
    assert.deepEqual(outcomes, { nginx: 'NoFilter', flask: 'Update' });
    assert.ok(
      !calls.some((call) => call.includes('release') || call.includes('latest')),
      'only candidates are looked up',
    );
  });

  it('never moves to an older build when the newest tag vanished', async () => {
    const content = demo.replace('develop-v1.8.0', 'develop-v1.9.0');
    const result = await plan([{ path: 'd.yaml', content }], {
      scanner: scanner({
        'reg.test/flaskapp': {
          'develop-v1.8.0': flask['develop-v1.8.0'],
          'develop-v1.9.0': flask['develop-v1.9.0'],
        },
      }),
    });
    assert.deepEqual(result.updates, []);
    assert.equal(result.decisions.find((d) => d.container === 'flask')?.outcome, 'UpToDate');
  });

  it('skips locked workloads and says why', async () => {
    const content = demo.replace(
      "flux.weave.works/automated: 'true'",
      "flux.weave.works/automated: 'true'\n    flux.weave.works/locked: 'true'\n    flux.weave.works/locked_msg: frozen for the release",
    );
    const result = await plan([{ path: 'd.yaml', content }], {
      scanner: scanner({ 'reg.test/flaskapp': flask }),
    });
    assert.deepEqual(result.updates, []);
    const flaskDecision = result.decisions.find((d) => d.container === 'flask');
    assert.equal(flaskDecision?.outcome, 'Locked');
    assert.match(flaskDecision?.message ?? '', /frozen for the release/);
  });

  it('fails closed on an invalid filter and reports a scan failure without stopping the others', async () => {
    const content = `${demo.replace('glob:develop-v*', 'regex:develop-(')}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: other
  namespace: my-demo
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.app: semver:^1
    tagpilot.io/tag.down: semver:^1
spec:
  template:
    spec:
      containers:
      - name: app
        image: reg.test/app:1.0.0
      - name: down
        image: down.test/app:1.0.0
`;
    const result = await plan([{ path: 'd.yaml', content }], {
      scanner: scanner({ 'reg.test/app': { '1.0.0': '', '1.2.0': '', '2.0.0': '' } }),
    });
    // down.test is not in the fake: its tag list fails with NOT_FOUND, a scan failure.
    const byContainer = Object.fromEntries(result.decisions.map((d) => [d.container, d]));
    assert.equal(byContainer.flask?.outcome, 'InvalidPolicy');
    assert.match(byContainer.flask?.message ?? '', /invalid regex/);
    assert.equal(byContainer.down?.outcome, 'ScanFailed');
    assert.equal(byContainer.app?.outcome, 'Update');
    assert.equal(byContainer.app?.next, 'reg.test/app:1.2.0');
    assert.equal(result.updates.length, 1);
  });

  it('takes images from ImagePolicies for policy annotations and setter markers', async () => {
    const policies = new Map<string, PolicyState>([
      ['apps/flask', { image: 'reg.test/flaskapp', latestTag: '1.4.0', pinDigest: false }],
      ['apps/pending', { image: 'reg.test/other', pinDigest: false }],
    ]);
    const files = [
      {
        path: 'release.yaml',
        content: `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: flask, namespace: apps}
spec:
  values:
    image:
      repository: reg.test/flaskapp # {"$imagepolicy": "apps:flask:name"}
      tag: 1.3.0 # {"$imagepolicy": "apps:flask:tag"}
    other: reg.test/other:0.1 # {"$imagepolicy": "apps:pending"}
    gone: reg.test/gone:0.1 # {"$imagepolicy": "apps:missing"}
`,
      },
    ];
    const result = await plan(files, { policies });
    const outcomes = result.decisions.map((d) => `${d.marker?.name}:${d.outcome}`);
    assert.deepEqual(outcomes, [
      'flask:UpToDate',
      'flask:Update',
      'pending:PolicyNotReady',
      'missing:PolicyNotFound',
    ]);
    assert.deepEqual(result.updates, [
      {
        target: { type: 'marker', policy: { namespace: 'apps', name: 'flask' } },
        image: { repo: 'reg.test/flaskapp', tag: '1.4.0' },
      },
    ]);
  });

  it('refuses ImagePolicy references into another namespace when referrerNamespace is given', async () => {
    const policies = new Map<string, PolicyState>([
      ['team-a/web', { image: 'reg.test/web', latestTag: '1.1.0', pinDigest: false }],
      ['team-b/web', { image: 'reg.test/web', latestTag: '9.9.9', pinDigest: false }],
    ]);
    const files = [
      {
        path: 'app.yaml',
        content: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
  annotations: {tagpilot.io/automated: 'true', tagpilot.io/policy.web: team-b/web}
spec:
  template:
    spec:
      containers:
      - {name: web, image: reg.test/web:1.0.0}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: values, namespace: team-a}
data:
  own: reg.test/web:1.0.0 # {"$imagepolicy": "team-a:web"}
  theirs: reg.test/web:1.0.0 # {"$imagepolicy": "team-b:web"}
`,
      },
    ];
    const open = await plan(files, { policies });
    assert.deepEqual(
      open.decisions.map((d) => d.outcome),
      ['Update', 'Update', 'Update'],
      'without confinement every reference is followed',
    );
    const confined = await plan(files, { policies, referrerNamespace: ({ written }) => written ?? 'team-a' });
    assert.deepEqual(
      confined.decisions.map((d) => d.outcome),
      ['CrossNamespaceRef', 'Update', 'CrossNamespaceRef'],
    );
    assert.match(
      confined.decisions[0]?.message ?? '',
      /^refused: ImagePolicy team-b\/web is not in namespace team-a \(--no-cross-namespace-refs\)$/,
    );
    assert.deepEqual(
      confined.updates.map((u) => u.image.tag),
      ['1.1.0'],
    );
  });

  it('pins the digest when digest.<container> is true', async () => {
    const content = demo.replace(
      "flux.weave.works/automated: 'true'",
      "flux.weave.works/automated: 'true'\n    tagpilot.io/digest.flask: 'true'",
    );
    const result = await plan([{ path: 'd.yaml', content }], {
      scanner: scanner({ 'reg.test/flaskapp': flask }),
    });
    assert.equal(result.updates[0]?.image.digest, `sha256:${'developv190'.padEnd(64, '0')}`);
  });

  it('lists each repository once per run however many containers use it', async () => {
    const calls: string[] = [];
    const second = demo.replaceAll('fluxdemo', 'fluxdemo2');
    await plan(
      [
        { path: 'a.yaml', content: demo },
        { path: 'b.yaml', content: second },
      ],
      { scanner: scanner({ 'reg.test/flaskapp': flask }, calls) },
    );
    assert.equal(calls.filter((call) => call.startsWith('list')).length, 1);
  });

  // Each of these moved flask from develop-v1.9.0 down to develop-v1.8.0 before the one scan pipeline.
  const faults: { name: string; repo: FakeRepository; outcome: string; message: RegExp }[] = [
    {
      name: '429 on the current tag',
      repo: { tags: flask, createdFails: { 'develop-v1.9.0': 'RATE_LIMITED' } },
      outcome: 'ScanFailed',
      message: /develop-v1\.9\.0: rate limited/,
    },
    {
      name: '503 on the current tag',
      repo: { tags: flask, createdFails: { 'develop-v1.9.0': 'UNAVAILABLE' } },
      outcome: 'ScanFailed',
      message: /develop-v1\.9\.0: unavailable/,
    },
    {
      name: 'token realm refusing while reading build times',
      repo: { tags: flask, createdFails: { 'develop-v1.9.0': 'UNAUTHORIZED' } },
      outcome: 'ScanFailed',
      message: /unauthorized/,
    },
    {
      name: 'current tag deleted from the registry',
      repo: { tags: { 'develop-v1.8.0': flask['develop-v1.8.0'], latest: flask.latest } },
      outcome: 'Kept',
      message: /no longer lists "develop-v1\.9\.0".*build time is unknown/,
    },
  ];
  for (const fault of faults) {
    it(`never downgrades on a registry fault: ${fault.name}`, async () => {
      const content = demo.replace('develop-v1.8.0', 'develop-v1.9.0');
      const result = await plan([{ path: 'd.yaml', content }], {
        scanner: fakeScanner({ 'reg.test/flaskapp': fault.repo }),
      });
      assert.deepEqual(result.updates, []);
      const decision = result.decisions.find((d) => d.container === 'flask');
      assert.equal(decision?.outcome, fault.outcome);
      assert.match(decision?.message ?? '', fault.message);
    });
  }
});
