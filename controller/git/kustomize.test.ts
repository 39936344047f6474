import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { kustomizationRoots, looksRemote, referenceProblems, renderedPath } from './kustomize.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kustomize-test-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

test('roots: the outermost kustomization directories under each sync path', () => {
  const repo = [
    'base/kustomization.yaml',
    'base/deployment.yaml',
    'overlays/prod/kustomization.yml',
    'overlays/prod/nested/Kustomization',
    'plain/configmap.yaml',
    'kustomization.yaml',
  ];
  assert.deepEqual(kustomizationRoots(repo, ['overlays']), ['overlays/prod']);
  assert.deepEqual(kustomizationRoots(repo, ['overlays/prod']), ['overlays/prod']);
  assert.deepEqual(kustomizationRoots(repo, ['plain']), []);
  assert.deepEqual(kustomizationRoots(repo, ['']), ['']);
  assert.deepEqual(kustomizationRoots(repo, ['base', 'overlays']), ['base', 'overlays/prod']);
  assert.equal(renderedPath('overlays/prod'), 'overlays/prod (kustomize build)');
});

test('references: local bases pass, remote and missing ones are refused unless allowed', () => {
  const dir = checkout({
    'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
    'base/deployment.yaml': 'kind: Deployment\n',
    'overlays/prod/kustomization.yaml': 'resources: [../../base, github.com/acme/app//deploy?ref=v1]\n',
    'overlays/dev/kustomization.yaml': 'resources: [../../base]\ncomponents: [../../missing]\n',
    'overlays/helm/kustomization.yaml': 'helmCharts: [{name: x}]\n',
  });
  assert.deepEqual(referenceProblems(dir, ['base'], false), []);
  const prod = referenceProblems(dir, ['overlays/prod'], false);
  assert.equal(prod.length, 1);
  assert.equal(prod[0]?.path, 'overlays/prod/kustomization.yaml');
  assert.match(
    prod[0]?.message ?? '',
    /github\.com\/acme\/app.*remote base, which is refused.*--kustomize-remote-bases/,
  );
  assert.deepEqual(referenceProblems(dir, ['overlays/prod'], true), []);
  assert.match(
    referenceProblems(dir, ['overlays/dev'], false)[0]?.message ?? '',
    /components entry "..\/..\/missing"/,
  );
  assert.match(referenceProblems(dir, ['overlays/helm'], false)[0]?.message ?? '', /Helm/);
});

test('references: a base reached through another base is checked too, and a symlink out is refused', () => {
  const outside = checkout({ 'kustomization.yaml': 'resources: []\n' });
  const dir = checkout({
    'base/kustomization.yaml': 'resources: [https://example.com/remote.yaml]\n',
    'overlay/kustomization.yaml': 'resources: [../base]\n',
    'escape/kustomization.yaml': 'resources: [link]\n',
  });
  symlinkSync(outside, join(dir, 'escape', 'link'));
  const problems = referenceProblems(dir, ['overlay'], false);
  assert.equal(problems[0]?.path, 'base/kustomization.yaml');
  assert.match(referenceProblems(dir, ['escape'], false)[0]?.message ?? '', /leads out of the repository/);
});

test('references: paths out of the repository are refused even when remote bases are allowed', () => {
  const dir = checkout({ 'app/kustomization.yaml': 'resources: [/etc/app, ../../outside, ./deploy.yaml]\n' });
  const problems = referenceProblems(dir, ['app'], true).map((p) => p.message);
  assert.equal(problems.length, 3);
  assert.match(problems[0] ?? '', /"\/etc\/app" leads out of the repository/);
  assert.match(problems[1] ?? '', /"..\/..\/outside" leads out of the repository/);
  assert.match(problems[2] ?? '', /".\/deploy.yaml" is not a file or directory of the repository/);
  assert.equal(looksRemote('github.com/acme/app//deploy?ref=v1'), true);
  assert.equal(looksRemote('https://example.com/x.yaml'), true);
  assert.equal(looksRemote('git@github.com:acme/app.git'), true);
  assert.equal(looksRemote('../base'), false);
  assert.equal(looksRemote('deploy.yaml'), false);
});
