import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageReference, NewImage } from './index.ts';
import { formatImageReference, splitImageReference } from './index.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('splitImageReference', () => {
  const table: Array<[string, ImageReference]> = [
    ['nginx', { name: 'nginx' }],
    ['nginx:1.25', { name: 'nginx', tag: '1.25' }],
    ['library/nginx:1.25-alpine', { name: 'library/nginx', tag: '1.25-alpine' }],
    ['localhost:5000/app', { name: 'localhost:5000/app' }],
    ['localhost:5000/app:1', { name: 'localhost:5000/app', tag: '1' }],
    [
      'registry.example.com:443/team/app:v2.0.0',
      { name: 'registry.example.com:443/team/app', tag: 'v2.0.0' },
    ],
    [`app@${DIGEST}`, { name: 'app', digest: DIGEST }],
    [`localhost:5000/app@${DIGEST}`, { name: 'localhost:5000/app', digest: DIGEST }],
    [`ghcr.io/a/b:1.0@${DIGEST}`, { name: 'ghcr.io/a/b', tag: '1.0', digest: DIGEST }],
    ['REGISTRY_HOST/flaskapp:develop-v1.8.0', { name: 'REGISTRY_HOST/flaskapp', tag: 'develop-v1.8.0' }],
    // Without a slash, host:port cannot be told from name:tag; Docker reads it as a tag too.
    ['localhost:5000', { name: 'localhost', tag: '5000' }],
  ];
  for (const [reference, expected] of table) {
    test(reference, () => assert.deepEqual(splitImageReference(reference), expected));
  }
});

describe('formatImageReference', () => {
  const table: Array<[NewImage, string]> = [
    [{ repo: 'nginx', tag: '1.25' }, 'nginx:1.25'],
    [{ repo: 'localhost:5000/app', tag: '1' }, 'localhost:5000/app:1'],
    [{ repo: 'ghcr.io/a/b', tag: '1.0', digest: DIGEST }, `ghcr.io/a/b:1.0@${DIGEST}`],
    [{ repo: 'ghcr.io/a/b', tag: '', digest: DIGEST }, `ghcr.io/a/b@${DIGEST}`],
  ];
  for (const [image, expected] of table) {
    test(expected, () => {
      assert.equal(formatImageReference(image), expected);
      const split = splitImageReference(expected);
      assert.deepEqual([split.name, split.tag ?? '', split.digest], [image.repo, image.tag, image.digest]);
    });
  }
});
