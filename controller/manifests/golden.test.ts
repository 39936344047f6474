import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ImageUpdate, ManifestFile, NewImage, UnappliedCode, WorkloadRef } from './index.ts';
import { applyImageUpdates } from './index.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** One golden case: testdata/<name>/original/* with `updates` applied must equal expected/*. */
interface GoldenCase {
  name: string;
  updates: ImageUpdate[];
  /** Codes of the updates (or target sites) that are reported as not written. */
  unapplied?: UnappliedCode[];
  /** Files with parse or marker problems. */
  problemFiles?: string[];
}

function workload(kind: string, name: string, namespace?: string): WorkloadRef {
  return { kind, name, namespace };
}

function container(path: string, ref: WorkloadRef, name: string, image: NewImage): ImageUpdate {
  return { target: { type: 'container', path, workload: ref, container: name }, image };
}

function marker(policy: string, image: NewImage): ImageUpdate {
  const [namespace = '', name = ''] = policy.split(':');
  return { target: { type: 'marker', policy: { namespace, name } }, image };
}

const anchored = workload('Deployment', 'anchored');
const quotes = workload('Deployment', 'quotes');
const nginx127 = { repo: 'docker.io/library/nginx', tag: '1.27' };
const flowPod = workload('Pod', 'flow', 'default');

const CASES: GoldenCase[] = [
  {
    name: 'flux-demo',
    updates: [
      container('deployment.yaml', workload('Deployment', 'fluxdemo', 'my-demo'), 'flask', {
        repo: 'REGISTRY_HOST/flaskapp',
        tag: 'develop-v1.9.0',
      }),
    ],
  },
  {
    name: 'multi-doc',
    updates: [
      container('app.yaml', workload('Deployment', 'shop', 'shop'), 'web', {
        repo: 'ghcr.io/acme/shop-web',
        tag: '2.4.0',
      }),
      // Same container name in another workload of the same file: only that one changes.
      container('app.yaml', workload('StatefulSet', 'shop-db', 'shop'), 'web', {
        repo: 'ghcr.io/acme/shop-db',
        tag: '2.3.2',
      }),
    ],
  },
  {
    name: 'comments',
    updates: [
      container('deploy.yaml', workload('Deployment', 'api', 'prod'), 'api', {
        repo: 'registry.example.com/team/api',
        tag: '1.5.0',
      }),
    ],
  },
  {
    name: 'anchors',
    updates: [
      // The anchored scalar is edited; `app` (an alias of it) follows.
      container('deploy.yaml', anchored, 'migrate', { repo: 'ghcr.io/acme/app', tag: '1.1.0' }),
      // An alias and a merge are shared text: reported, not edited.
      container('deploy.yaml', anchored, 'app', { repo: 'ghcr.io/acme/app', tag: '9.9.9' }),
      container('deploy.yaml', anchored, 'worker', { repo: 'ghcr.io/acme/app', tag: '9.9.9' }),
      container('deploy.yaml', anchored, 'cache', { repo: 'redis', tag: '7.2' }),
    ],
    unapplied: ['SHARED_SCALAR', 'SHARED_SCALAR'],
  },
  {
    name: 'flow-style',
    updates: [
      container('pods.yaml', flowPod, 'app', { repo: 'quay.io/acme/app', tag: '1.1' }),
      container('pods.yaml', flowPod, 'side', { repo: 'quay.io/acme/side', tag: '1.1' }),
      container('pods.yaml', flowPod, 'init', { repo: 'busybox', tag: '1.37' }),
    ],
  },
  {
    name: 'quote-styles',
    updates: [
      container('deploy.yaml', quotes, 'plain', nginx127),
      container('deploy.yaml', quotes, 'single', nginx127),
      container('deploy.yaml', quotes, 'double', nginx127),
      container('deploy.yaml', quotes, 'pinned', { ...nginx127, digest: `sha256:${'0'.repeat(63)}1` }),
    ],
  },
  {
    name: 'crlf',
    updates: [
      container('deploy.yaml', workload('Deployment', 'windows', 'win'), 'app', {
        repo: 'mcr.microsoft.com/acme/app',
        tag: '3.2',
      }),
    ],
  },
  {
    name: 'bom',
    updates: [
      container('deploy.yaml', workload('Deployment', 'bom'), 'app', {
        repo: 'ghcr.io/acme/bom',
        tag: '0.10.0',
      }),
    ],
  },
  {
    name: 'block-scalars',
    updates: [
      container('deploy.yaml', workload('Deployment', 'blocks'), 'app', {
        repo: 'ghcr.io/acme/blocks',
        tag: '1.0.1',
      }),
    ],
  },
  {
    name: 'init-containers',
    updates: [
      container('deploy.yaml', workload('DaemonSet', 'agent', 'kube-system'), 'setup', {
        repo: 'ghcr.io/acme/agent-setup',
        tag: '1.2.5',
      }),
    ],
  },
  {
    name: 'cronjob',
    updates: [
      container('cron.yaml', workload('CronJob', 'nightly', 'jobs'), 'report', {
        repo: 'localhost:5000/reports',
        tag: '2024.2',
      }),
    ],
  },
  {
    name: 'helmrelease-marker',
    updates: [marker('apps:podinfo', { repo: 'ghcr.io/stefanprodan/podinfo', tag: '6.7.1' })],
  },
  {
    name: 'kustomization-images',
    updates: [marker('apps:podinfo', { repo: 'ghcr.io/acme/podinfo', tag: '6.7.1' })],
  },
  {
    name: 'marker-fields',
    updates: [
      marker('apps:app', { repo: 'ghcr.io/acme/app', tag: '1.1.0', digest: DIGEST }),
      // A `:tag` marker without a digest in the update: written; no `:digest` marker for it.
      marker('apps:nothing', { repo: 'x', tag: '1' }),
    ],
    unapplied: ['NO_TARGET'],
  },
  {
    name: 'unparseable',
    updates: [
      container('good.yaml', workload('Deployment', 'good'), 'app', {
        repo: 'ghcr.io/acme/good',
        tag: '1.1',
      }),
      container('half.yaml', workload('Pod', 'second'), 'app', { repo: 'ghcr.io/acme/half', tag: '1.1' }),
      container('broken.yaml', workload('Deployment', 'broken'), 'app', {
        repo: 'ghcr.io/acme/broken',
        tag: '1.1',
      }),
    ],
    unapplied: ['NO_TARGET'],
    problemFiles: ['broken.yaml', 'half.yaml'],
  },
  {
    name: 'plain-to-quoted',
    updates: [
      // `develop` was a string; plain `1.10` would be a number, so it is double-quoted.
      marker('apps:web', { repo: 'x', tag: '1.10' }),
      // `1.9` was a number, but the tag is the string `1.10`: it is double-quoted too (promise 3).
      marker('apps:num', { repo: 'x', tag: '1.10' }),
    ],
  },
];

function readDir(dir: string): ManifestFile[] {
  return readdirSync(dir)
    .sort()
    .map((path) => ({ path, content: readFileSync(join(dir, path), 'utf8') }));
}

/** 0-based indexes of the lines that differ; both texts must have the same number of lines. */
function changedLines(before: string, after: string): number[] {
  const a = before.split('\n');
  const b = after.split('\n');
  assert.equal(b.length, a.length, 'an edit added or removed lines');
  return a.flatMap((line, i) => (line === b[i] ? [] : [i]));
}

describe('golden cases', () => {
  test('every testdata directory has a case in the table', () => {
    const dirs = readdirSync(TESTDATA, { withFileTypes: true }).filter((d) => d.isDirectory());
    assert.deepEqual(dirs.map((d) => d.name).sort(), CASES.map((c) => c.name).sort());
  });

  for (const golden of CASES) {
    test(golden.name, () => {
      const originals = readDir(join(TESTDATA, golden.name, 'original'));
      const expected = new Map(
        readDir(join(TESTDATA, golden.name, 'expected')).map((f) => [f.path, f.content]),
      );
      const result = applyImageUpdates(originals, golden.updates);
      const written = new Map(result.files.map((f) => [f.path, f.content]));

      for (const original of originals) {
        const want = expected.get(original.path);
        assert.ok(want !== undefined, `expected/${original.path} is missing`);
        assert.equal(written.get(original.path) ?? original.content, want, original.path);
        assert.equal(
          written.has(original.path),
          want !== original.content,
          `${original.path}: reported as changed`,
        );
        const changeLines = new Set(
          result.changes.filter((c) => c.path === original.path).map((c) => c.line - 1),
        );
        assert.deepEqual(
          changedLines(original.content, want),
          [...changeLines].sort((x, y) => x - y),
        );
      }
      assert.deepEqual(
        result.unapplied.map((u) => u.code),
        golden.unapplied ?? [],
        JSON.stringify(result.unapplied),
      );
      const problemFiles = [...new Set(result.problems.map((p) => p.path))].sort();
      assert.deepEqual(problemFiles, golden.problemFiles ?? [], JSON.stringify(result.problems));

      const updatedFiles = originals.map((f) => ({
        path: f.path,
        content: written.get(f.path) ?? f.content,
      }));
      const again = applyImageUpdates(updatedFiles, golden.updates);
      assert.deepEqual(again.files, [], 'applying the same updates twice changes nothing');
      assert.deepEqual(again.changes, []);
    });
  }
});
