import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UnappliedUpdate } from '../manifests/index.ts';
import { describeSkippedUpdates } from './skipped-updates.ts';

describe('describeSkippedUpdates', () => {
  const table: Array<[string, UnappliedUpdate, string]> = [
    [
      'an aliased image names file, line, workload, container, value and reason',
      {
        update: {
          target: {
            type: 'container',
            path: 'apps/web.yaml',
            workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
            container: 'app',
          },
          image: { repo: 'ghcr.io/acme/web', tag: '1.10' },
        },
        code: 'SHARED_SCALAR',
        reason: 'the image is an alias or merge of the anchor on line 7; edit the anchor instead',
        path: 'apps/web.yaml',
        line: 12,
      },
      'apps/web.yaml:12: Deployment shop/web container app: ghcr.io/acme/web:1.10 not written (SHARED_SCALAR): the image is an alias or merge of the anchor on line 7; edit the anchor instead',
    ],
    [
      'a marker on a block scalar names the marker policy',
      {
        update: {
          target: { type: 'marker', policy: { namespace: 'apps', name: 'web' } },
          image: { repo: 'r', tag: '2', digest: 'sha256:00' },
        },
        code: 'UNSUPPORTED_STYLE',
        reason: 'the value is a BLOCK_LITERAL block scalar, which is not rewritten',
        path: 'values.yaml',
        line: 3,
      },
      'values.yaml:3: marker apps:web: r:2@sha256:00 not written (UNSUPPORTED_STYLE): the value is a BLOCK_LITERAL block scalar, which is not rewritten',
    ],
    [
      'a marker that no file holds has no file',
      {
        update: {
          target: { type: 'marker', policy: { namespace: 'apps', name: 'gone' } },
          image: { repo: 'r', tag: '2' },
        },
        code: 'NO_TARGET',
        reason: 'no setter marker names policy apps:gone',
      },
      'marker apps:gone: r:2 not written (NO_TARGET): no setter marker names policy apps:gone',
    ],
  ];
  for (const [name, skipped, expected] of table) {
    test(name, () => assert.deepEqual(describeSkippedUpdates([skipped]), [expected]));
  }
});
