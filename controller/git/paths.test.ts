import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isManifestPath } from './paths.ts';

describe('isManifestPath', () => {
  const table: Array<[string, string, boolean]> = [
    ['a .yaml file', 'apps/web.yaml', true],
    ['a .yml file', 'web.yml', true],
    ['kustomization.yaml', 'apps/kustomization.yaml', true],
    ['Kustomization, as kustomize and Flux name it (no extension)', 'apps/Kustomization', true],
    ['Kustomization at the root', 'Kustomization', true],
    ['another file without an extension', 'apps/Makefile', false],
    ['a name that only ends in Kustomization', 'apps/MyKustomization', false],
    ['a lower-case kustomization without an extension', 'apps/kustomization', false],
    ['a backup of Kustomization', 'apps/Kustomization.bak', false],
    ['Markdown', 'README.md', false],
  ];
  for (const [name, path, expected] of table) {
    test(`${name}: ${path} -> ${expected}`, () => assert.equal(isManifestPath(path), expected));
  }
});
