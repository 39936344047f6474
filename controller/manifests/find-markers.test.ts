import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MarkerComment } from './index.ts';
import { findMarkers, parseMarkerComment, readManifests } from './index.ts';

describe('parseMarkerComment', () => {
  const table: Array<[string, MarkerComment | undefined]> = [
    [
      ' {"$imagepolicy": "apps:web"}',
      { ok: true, policy: { namespace: 'apps', name: 'web' }, field: 'image' },
    ],
    [
      '{"$imagepolicy":"apps:web:tag"}',
      { ok: true, policy: { namespace: 'apps', name: 'web' }, field: 'tag' },
    ],
    [' {"$imagepolicy": "a:b:name"} ', { ok: true, policy: { namespace: 'a', name: 'b' }, field: 'name' }],
    ['{"$imagepolicy": "a:b:digest"}', { ok: true, policy: { namespace: 'a', name: 'b' }, field: 'digest' }],
    [' pinned by the release team', undefined],
    [' {"$other": "a:b"}', undefined],
    [
      ' {"$imagepolicy": "a:b"',
      { ok: false, message: 'setter marker is not valid JSON: {"$imagepolicy": "a:b"' },
    ],
    [' $imagepolicy: a:b', { ok: false, message: 'setter marker is not valid JSON: $imagepolicy: a:b' }],
    [' {"$imagepolicy": 3}', { ok: false, message: 'setter marker names no policy: {"$imagepolicy": 3}' }],
    [' ["$imagepolicy"]', { ok: false, message: 'setter marker names no policy: ["$imagepolicy"]' }],
  ];
  for (const [comment, expected] of table) {
    test(JSON.stringify(comment), () => assert.deepEqual(parseMarkerComment(comment), expected));
  }

  for (const bad of ['web', 'apps:', ':web', 'a:b:version', 'a:b:tag:x']) {
    test(`"${bad}" names no usable policy`, () => {
      const parsed = parseMarkerComment(`{"$imagepolicy": "${bad}"}`);
      assert.equal(parsed?.ok, false);
    });
  }
});

function markersOf(content: string) {
  return findMarkers(readManifests([{ path: 'm.yaml', content }]));
}

describe('findMarkers', () => {
  test('finds markers on any scalar of any document, with value and exact range', () => {
    const content = [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'spec:',
      '  values:',
      '    image:',
      '      repository: ghcr.io/a/b # {"$imagepolicy": "apps:b:name"}',
      '      tag: \'1.0\' # {"$imagepolicy": "apps:b:tag"}',
      '    list:',
      '      - "ghcr.io/a/b:1.0" # {"$imagepolicy": "apps:b"}',
      '---',
      'images: [{name: x, newTag: v1}] # a flow map: the comment follows `}`, not a scalar',
      'plain: ghcr.io/c/d:2 # {"$imagepolicy": "other:d"}',
      '',
    ].join('\n');
    const { markers, problems } = markersOf(content);
    assert.deepEqual(
      markers.map((m) => [m.index, `${m.policy.namespace}:${m.policy.name}`, m.field, m.value, m.site.line]),
      [
        [0, 'apps:b', 'name', 'ghcr.io/a/b', 6],
        [0, 'apps:b', 'tag', '1.0', 7],
        [0, 'apps:b', 'image', 'ghcr.io/a/b:1.0', 9],
        [1, 'other:d', 'image', 'ghcr.io/c/d:2', 12],
      ],
    );
    for (const marker of markers) {
      const text = content.slice(marker.site.range.start, marker.site.range.end);
      assert.ok(text.includes(marker.value), `${text} holds ${marker.value}`);
    }
    assert.deepEqual(problems, []);
  });

  test('a broken marker is a problem on its line; the good ones are still found', () => {
    const content = [
      'a: x:1 # {"$imagepolicy": "ns:a"',
      'b: y:1 # {"$imagepolicy": "no-namespace"}',
      'c: z:1 # {"$imagepolicy": "ns:c"}',
      '',
    ].join('\n');
    const { markers, problems } = markersOf(content);
    assert.deepEqual(
      markers.map((m) => m.value),
      ['z:1'],
    );
    assert.deepEqual(
      problems.map((p) => [p.line, p.message.split(':')[0]]),
      [
        [1, 'setter marker is not valid JSON'],
        [2, 'setter marker must be "<namespace>'],
      ],
    );
  });

  test('a marker on a line of its own, or after a key with no value, is reported as ignored', () => {
    const content = ['# {"$imagepolicy": "ns:a"}', 'image: # {"$imagepolicy": "ns:b"}', '  x:1', ''].join(
      '\n',
    );
    const { markers, problems } = markersOf(content);
    assert.deepEqual(markers, []);
    assert.deepEqual(
      problems.map((p) => p.line),
      [1, 2],
    );
  });

  test('marker text inside strings and block scalars is data, not a marker', () => {
    const content = [
      'doc: |',
      '  image: x:1 # {"$imagepolicy": "ns:a"}',
      'quoted: "x # {\\"$imagepolicy\\": \\"ns:b\\"}"',
      'folded: >',
      '  # {"$imagepolicy": "ns:c"}',
      '',
    ].join('\n');
    assert.deepEqual(markersOf(content), { markers: [], problems: [] });
  });

  test('CRLF and a BOM: the marker comment ends before the \\r', () => {
    const { markers, problems } = markersOf('\uFEFFtag: v1 # {"$imagepolicy": "ns:a:tag"}\r\nx: 1\r\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      markers.map((m) => [m.value, m.field, m.site.range.start]),
      [['v1', 'tag', 6]],
    );
  });

  test('markers in a document that does not parse are not used', () => {
    const set = readManifests([{ path: 'm.yaml', content: 'a: {b # {"$imagepolicy": "ns:a"}\n' }]);
    assert.equal(set.problems.length, 1);
    assert.deepEqual(findMarkers(set), { markers: [], problems: [] });
  });
});
