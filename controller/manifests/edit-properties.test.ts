import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import type { ImageUpdate, ManifestFile, SourceRange, Workload } from './index.ts';
import { applyImageUpdates, findMarkers, findWorkloads, readManifests } from './index.ts';

const tagArb = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$/);
const repoArb = fc.constantFrom(
  'nginx',
  'ghcr.io/acme/app',
  'localhost:5000/team/app',
  'REGISTRY_HOST/flaskapp',
);
const styleArb = fc.constantFrom<'plain' | 'single' | 'double'>('plain', 'single', 'double');
const commentArb = fc.constantFrom('', ' # pinned', '   # {"$imagepolicy": "ns:other"}', ' #no space needed');

interface ContainerSpec {
  repo: string;
  tag: string;
  style: 'plain' | 'single' | 'double';
  flow: boolean;
  comment: string;
  init: boolean;
  blockScalarBefore: boolean;
}

const containerArb: fc.Arbitrary<ContainerSpec> = fc.record({
  repo: repoArb,
  tag: tagArb,
  style: styleArb,
  flow: fc.boolean(),
  comment: commentArb,
  init: fc.boolean(),
  blockScalarBefore: fc.boolean(),
});

function quote(text: string, style: ContainerSpec['style']): string {
  if (style === 'single') return `'${text}'`;
  if (style === 'double') return `"${text}"`;
  return text;
}

function containerLines(spec: ContainerSpec, name: string, indent: string): string[] {
  const image = quote(`${spec.repo}:${spec.tag}`, spec.style);
  if (spec.flow) return [`${indent}- {name: ${name}, image: ${image}}${spec.comment}`];
  const lines = [`${indent}- name: ${name}`];
  if (spec.blockScalarBefore) {
    lines.push(
      `${indent}  command:`,
      `${indent}    - |`,
      `${indent}      echo "image: ${spec.repo}:${spec.tag}"`,
    );
  }
  lines.push(`${indent}  image: ${image}${spec.comment}`, `${indent}  # trailing note`, '');
  return lines;
}

function deploymentText(name: string, containers: ContainerSpec[], indentSeq: boolean): string {
  const indent = indentSeq ? '        ' : '      ';
  const lines = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, 'spec:'];
  lines.push('  template:', '    spec:');
  for (const init of [false, true]) {
    const own = containers.map((c, i) => [c, i] as const).filter(([c]) => c.init === init);
    if (own.length === 0) continue;
    lines.push(`      ${init ? 'initContainers' : 'containers'}:`);
    for (const [spec, i] of own) lines.push(...containerLines(spec, `c${i}`, indent));
  }
  return lines.join('\n');
}

interface FileSpec {
  workloads: ContainerSpec[][];
  crlf: boolean;
  bom: boolean;
  indentSeq: boolean;
}

const fileArb: fc.Arbitrary<FileSpec> = fc.record({
  workloads: fc.array(fc.array(containerArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  indentSeq: fc.boolean(),
});

function render(file: FileSpec): string {
  const text = file.workloads
    .map((w, i) => deploymentText(`w${i}`, w, file.indentSeq))
    .join('\n---\n# next\n');
  return (file.bom ? '\uFEFF' : '') + (file.crlf ? text.replaceAll('\n', '\r\n') : text);
}

const caseArb = fileArb.chain((file) => {
  const targets = file.workloads.flatMap((w, wi) => w.map((_, ci) => ({ wi, ci })));
  return fc.record({
    file: fc.constant(file),
    updates: fc.uniqueArray(fc.record({ at: fc.constantFrom(...targets), tag: tagArb }), {
      selector: (u) => `${u.at.wi}/${u.at.ci}`,
      maxLength: targets.length,
    }),
  });
});

function workloadsIn(content: string): Workload[] {
  const set = readManifests([{ path: 'f.yaml', content }]);
  assert.deepEqual(set.problems, []);
  return findWorkloads(set);
}

/** The text between and around the given ranges (which must be in source order). */
function outside(content: string, ranges: SourceRange[]): string[] {
  const gaps: string[] = [];
  let at = 0;
  for (const range of ranges) {
    gaps.push(content.slice(at, range.start));
    at = range.end;
  }
  gaps.push(content.slice(at));
  return gaps;
}

describe('edit properties', () => {
  test('an edit changes only the bytes of the edited scalars, keeps their style, and is idempotent', () => {
    fc.assert(
      fc.property(caseArb, ({ file, updates }) => {
        const content = render(file);
        const before = workloadsIn(content);
        const imageUpdates: ImageUpdate[] = updates.map(({ at, tag }) => {
          const spec = file.workloads[at.wi]?.[at.ci];
          assert.ok(spec !== undefined);
          return {
            target: {
              type: 'container',
              path: 'f.yaml',
              workload: { kind: 'Deployment', name: `w${at.wi}`, namespace: undefined },
              container: `c${at.ci}`,
            },
            image: { repo: spec.repo, tag },
          };
        });
        const files: ManifestFile[] = [{ path: 'f.yaml', content }];
        const once = applyImageUpdates(files, imageUpdates);
        assert.deepEqual(once.unapplied, []);
        const result = once.files[0]?.content ?? content;

        const after = workloadsIn(result);
        const wanted = new Map(updates.map(({ at, tag }) => [`w${at.wi}/c${at.ci}`, tag]));
        const sitesBefore: SourceRange[] = [];
        const sitesAfter: SourceRange[] = [];
        after.forEach((workload, wi) => {
          workload.containers.forEach((container, ci) => {
            const old = before[wi]?.containers[ci];
            assert.ok(old !== undefined && old.name === container.name);
            const tag = wanted.get(`${workload.name}/${container.name}`);
            const expectedImage =
              tag === undefined ? old.image : `${old.image.slice(0, old.image.lastIndexOf(':'))}:${tag}`;
            assert.equal(container.image, expectedImage);
            assert.equal(container.site.style, old.site.style, 'quote style kept');
            sitesBefore.push(old.site.range);
            sitesAfter.push(container.site.range);
          });
        });
        const byStart = (a: SourceRange, b: SourceRange) => a.start - b.start;
        assert.deepEqual(
          outside(result, sitesAfter.sort(byStart)),
          outside(content, sitesBefore.sort(byStart)),
        );

        const twice = applyImageUpdates([{ path: 'f.yaml', content: result }], imageUpdates);
        assert.deepEqual(twice.files, []);
        assert.deepEqual(twice.changes, []);
      }),
      { numRuns: 150 },
    );
  });

  test('a :tag marker always reads back as the new tag, as a string', () => {
    const markerCase = fc.record({ old: tagArb, tag: tagArb, style: styleArb, flow: fc.boolean() });
    const comment = '# {"$imagepolicy": "ns:app:tag"}';
    fc.assert(
      fc.property(markerCase, ({ old, tag, style, flow }) => {
        const value = quote(old, style);
        const content = flow ? `tags: [\n  ${value} ${comment}\n]\n` : `image:\n  tag: ${value} ${comment}\n`;
        const [original] = findMarkers(readManifests([{ path: 'v.yaml', content }])).markers;
        assert.ok(original !== undefined);
        const update: ImageUpdate = {
          target: { type: 'marker', policy: { namespace: 'ns', name: 'app' } },
          image: { repo: 'r', tag },
        };
        const written =
          applyImageUpdates([{ path: 'v.yaml', content }], [update]).files[0]?.content ?? content;
        const [marker, ...rest] = findMarkers(readManifests([{ path: 'v.yaml', content: written }])).markers;
        assert.equal(rest.length, 0);
        assert.equal(marker?.value, tag);
        // An unchanged scalar is not an edit: a plain `1.9` that stays 1.9 is left as it is.
        for (const version of old === tag ? [] : (['1.1', '1.2'] as const)) {
          const read = parse(written, { version }) as { image?: { tag?: unknown }; tags?: unknown[] };
          assert.equal(flow ? read.tags?.[0] : read.image?.tag, tag, `${written} reads back as a string`);
        }
        assert.deepEqual(applyImageUpdates([{ path: 'v.yaml', content: written }], [update]).files, []);
      }),
      { numRuns: 300 },
    );
  });
});
