// DESIGN §2's layering, enforced: reads the import graph of every production file under
// controller/ and registry/ (static, type-only and dynamic imports alike) and fails on an import
// that runs up or sideways, on I/O in the pure folders, and on any import circle.
//
//   cli -> main -> server -> reconcile -> automation, sync -> runtime, config -> git, manifests,
//   policy, kube -> registry -> api, logger, metrics -> util
//
// (DESIGN puts cli, server and main in one band; within it `tagpilot controller` starts main,
// and main starts the HTTP server.)
//
// An import may go to a lower layer or stay in its own folder; never up, never to another folder
// of the same layer (that is how `automation/` once borrowed `mapLimit` from `sync/`, and how
// `git/` once read `manifests/`). registry/ imports nothing of controller/ but util/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');

/** The layer of each folder (or top-level file) of controller/, and of registry/; higher imports lower. */
const LAYERS: Readonly<Record<string, number>> = {
  cli: 9,
  main: 8,
  server: 7,
  reconcile: 6,
  automation: 5,
  sync: 5,
  runtime: 4,
  config: 4,
  git: 3,
  manifests: 3,
  policy: 3,
  kube: 3,
  registry: 2,
  api: 1,
  logger: 1,
  metrics: 1,
  util: 0,
};

/** What registry/ may import of controller/. */
const REGISTRY_MAY_IMPORT = new Set(['util']);

/** Folders that do no I/O (DESIGN §2), and the modules that would mean they do. */
const PURE = new Set(['policy', 'manifests']);
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|dgram|tls)$|^undici$/;

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testdata' ? [] : productionFiles(path);
    const test = /\.test(-support)?\.ts$|\.test-support\.ts$/.test(entry.name);
    return entry.name.endsWith('.ts') && !test ? [path] : [];
  });
}

/** `cli`, `main`, `registry`, … for a file. */
function layerOf(file: string): string {
  const parts = relative(ROOT, file).split(sep);
  if (parts[0] === 'registry') return 'registry';
  const [, first = ''] = parts;
  return parts.length > 2 ? first : first.replace(/\.ts$/, '');
}

interface Edge {
  from: string;
  to: string;
}

function readGraph(): { files: string[]; edges: Edge[]; external: Edge[] } {
  const files = [...productionFiles(join(ROOT, 'controller')), ...productionFiles(join(ROOT, 'registry'))];
  const edges: Edge[] = [];
  const external: Edge[] = [];
  for (const from of files) {
    const info = ts.preProcessFile(readFileSync(from, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.')) edges.push({ from, to: resolve(dirname(from), fileName) });
      else external.push({ from, to: fileName });
    }
  }
  return { files, edges, external };
}

/** Strongly connected components with more than one file (or a file importing itself). */
function circles(files: readonly string[], edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>(files.map((file) => [file, []]));
  for (const { from, to } of edges) next.get(from)?.push(to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const to of next.get(file) ?? []) {
      if (!next.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) low.set(file, Math.min(low.get(file) ?? 0, index.get(to) ?? 0));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let top: string | undefined;
    do {
      top = stack.pop();
      if (top === undefined) break;
      onStack.delete(top);
      component.push(relative(ROOT, top));
    } while (top !== file);
    const selfImport = edges.some((e) => e.from === file && e.to === file);
    if (component.length > 1 || selfImport) found.push(component.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found;
}

describe('layering (DESIGN §2)', () => {
  const { files, edges, external } = readGraph();

  it('reads the whole tree', () => {
    assert.ok(files.length > 100, `only ${files.length} production files found`);
    assert.ok(edges.length > 300, `only ${edges.length} imports found`);
  });

  it('knows the layer of every folder', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((layer) => !(layer in LAYERS));
    assert.deepEqual(unknown, [], 'add the new folder to LAYERS (and to DESIGN §2)');
  });

  it('has no import that runs up or sideways', () => {
    const wrong: string[] = [];
    for (const { from, to } of edges) {
      const a = layerOf(from);
      const b = layerOf(to);
      if (a === b) continue;
      const down = (LAYERS[a] ?? -1) > (LAYERS[b] ?? Number.POSITIVE_INFINITY);
      const registryOk = a !== 'registry' || REGISTRY_MAY_IMPORT.has(b);
      if (!down || !registryOk) wrong.push(`${relative(ROOT, from)} -> ${relative(ROOT, to)} (${a} -> ${b})`);
    }
    assert.deepEqual(wrong, []);
  });

  it('keeps policy/ and manifests/ free of I/O', () => {
    const io = external
      .filter(({ from, to }) => PURE.has(layerOf(from)) && IO_MODULES.test(to))
      .map(({ from, to }) => `${relative(ROOT, from)} imports ${to}`);
    assert.deepEqual(io, []);
  });

  it('has no import circles', () => {
    assert.deepEqual(circles(files, edges), []);
  });
});
