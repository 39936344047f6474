// The trimmed load of @kubernetes/client-node (docs/decisions/0008): every value of the package
// that controller/ imports is in USED_EXPORTS, the trimmed load provides each of them and not the
// generated API classes, and a changed dist/ layout stops the start with a clear error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { ClientNodeLayoutError, trimmedLayout, USED_EXPORTS } from './client-node-loading.ts';

const PACKAGE = '@kubernetes/client-node';
const CONTROLLER = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);

function productionFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testdata' ? [] : productionFiles(path);
    return entry.name.endsWith('.ts') && !/\.test(-support)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

const bindingNames = (pattern: ts.ObjectBindingPattern): string[] =>
  pattern.elements.map((element) => (element.propertyName ?? element.name).getText());

/** The names a dynamic `import(PACKAGE)` binds: `const { A } = await import(…)` or `const [{ A }] = await Promise.all([import(…)])`. */
function dynamicImportNames(call: ts.CallExpression, file: string): string[] {
  let node: ts.Node = call;
  let index: number | undefined;
  if (ts.isArrayLiteralExpression(node.parent)) {
    index = node.parent.elements.indexOf(call);
    node = node.parent.parent; // Promise.all(…)
  }
  if (ts.isAwaitExpression(node.parent)) node = node.parent;
  const declaration = node.parent;
  if (ts.isVariableDeclaration(declaration)) {
    const pattern =
      index === undefined
        ? declaration.name
        : ts.isArrayBindingPattern(declaration.name)
          ? declaration.name.elements[index]
          : undefined;
    const objectPattern = pattern && ts.isBindingElement(pattern) ? pattern.name : pattern;
    if (objectPattern && ts.isObjectBindingPattern(objectPattern)) return bindingNames(objectPattern);
  }
  assert.fail(`${file}: cannot tell which exports of ${PACKAGE} a dynamic import uses; destructure them`);
}

/** Every value (not type) that a production file of controller/ imports from the package. */
function importedValues(): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const file of productionFiles(CONTROLLER)) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes(PACKAGE)) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && (node.moduleSpecifier as ts.StringLiteral).text === PACKAGE) {
        const clause = node.importClause;
        assert.ok(clause && !clause.name, `${file}: import named values of ${PACKAGE}, not the default`);
        const bindings = clause.isTypeOnly ? undefined : clause.namedBindings;
        assert.ok(!bindings || ts.isNamedImports(bindings), `${file}: no namespace import of ${PACKAGE}`);
        for (const element of bindings?.elements ?? []) {
          if (!element.isTypeOnly) values.set(file, [...(values.get(file) ?? []), element.getText()]);
        }
      }
      const isDynamicImport =
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        (node.arguments[0] as ts.StringLiteral | undefined)?.text === PACKAGE;
      if (isDynamicImport) {
        values.set(file, [
          ...(values.get(file) ?? []),
          ...dynamicImportNames(node as ts.CallExpression, file),
        ]);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return values;
}

describe('loading @kubernetes/client-node trimmed', () => {
  it('USED_EXPORTS lists every value controller/ imports from the package', () => {
    const values = importedValues();
    assert.ok(values.size > 0, 'found no import of the package at all');
    for (const [file, names] of values) {
      for (const name of names) assert.ok(USED_EXPORTS.includes(name), `${file} imports ${name}`);
    }
  });

  it('provides every used export, loads no generated API class, and the controller links against it', async () => {
    // A process of its own: the hook is process-wide, and this test process uses the whole package.
    const script = `
      import { registerHooks } from 'node:module';
      const { loadClientNodeTrimmed, USED_EXPORTS } = await import(${JSON.stringify(import.meta.resolve('./client-node-loading.ts'))});
      loadClientNodeTrimmed();
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.push(r.url); return r; } });
      const clientNode = await import('${PACKAGE}');
      await import(${JSON.stringify(pathToFileURL(join(CONTROLLER, 'main.ts')).href)});
      const kubeConfig = new clientNode.KubeConfig();
      kubeConfig.loadFromString('{apiVersion: v1, kind: Config, clusters: [{name: c, cluster: {server: "https://k.test"}}], users: [{name: u, user: {token: t}}], contexts: [{name: x, context: {cluster: c, user: u}}], current-context: x}');
      console.log(JSON.stringify({
        missing: USED_EXPORTS.filter((name) => typeof clientNode[name] !== 'function'),
        exports: Object.keys(clientNode),
        generated: loaded.filter((url) => /\\/dist\\/gen\\/(apis|models|types)\\//.test(url)),
        server: kubeConfig.getCurrentCluster()?.server,
      }));`;
    const { stdout, stderr } = await exec(process.execPath, ['--input-type=module', '-e', script]);
    const result = JSON.parse(stdout) as {
      missing: string[];
      exports: string[];
      generated: string[];
      server: string;
    };
    assert.deepEqual(result.missing, []);
    assert.ok(
      !result.exports.includes('CoreV1Api'),
      `the trimmed index exports ${result.exports.join(', ')}`,
    );
    assert.deepEqual(result.generated, []);
    assert.equal(result.server, 'https://k.test');
    assert.equal(stderr, '', 'no warning on stderr');
  });

  describe('a changed dist/ layout is refused with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-node-layout-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const real = join(resolve(import.meta.dirname, '..', '..'), 'node_modules', PACKAGE, 'dist');
    /** A copy of the files the hook reads, with `edit` applied to one of them. */
    const layout = (name: string, edit: (files: Record<string, string>) => void): string => {
      const files: Record<string, string> = Object.fromEntries(
        ['index.js', 'config.js', 'gen/configuration.js', 'gen/servers.js'].map((file) => [
          file,
          readFileSync(join(real, file), 'utf8'),
        ]),
      );
      edit(files);
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(dir, name, 'gen'), { recursive: true });
        writeFileSync(join(dir, name, file), text);
      }
      return pathToFileURL(join(dir, name, 'index.js')).href;
    };

    it('accepts the installed version', () => {
      const trimmed = trimmedLayout(layout('same', () => {}));
      assert.equal(trimmed.indexSource, "export * from './config.js';\n");
      assert.match(trimmed.genIndexSource, /createConfiguration/);
    });

    const cases: [string, (files: Record<string, string>) => void, RegExp][] = [
      [
        'the index no longer re-exports config.js',
        (files) => {
          files['index.js'] = "export * from './kubeconfig.js';\n";
        },
        /index\.js does not re-export '\.\/config\.js'/,
      ],
      [
        'config.js imports more from gen/index.js',
        (files) => {
          files['config.js'] = (files['config.js'] ?? '').replace(
            'ServerConfiguration, }',
            'ServerConfiguration, CoreV1Api, }',
          );
        },
        /config\.js imports CoreV1Api from '\.\/gen\/index\.js'/,
      ],
      [
        'KubeConfig moved out of config.js',
        (files) => {
          files['config.js'] = (files['config.js'] ?? '').replace(
            'export class KubeConfig',
            'class KubeConfig',
          );
        },
        /config\.js does not export KubeConfig/,
      ],
      [
        'createConfiguration moved',
        (files) => {
          files['gen/configuration.js'] = '';
        },
        /gen\/configuration\.js does not export createConfiguration/,
      ],
    ];
    for (const [name, edit, reason] of cases) {
      it(name, () => {
        assert.throws(
          () => trimmedLayout(layout(name.replaceAll(' ', '-'), edit)),
          (error: unknown) => error instanceof ClientNodeLayoutError && reason.test(error.message),
        );
      });
    }

    it('a missing file', () => {
      assert.throws(
        () => trimmedLayout(pathToFileURL(join(dir, 'nothing', 'index.js')).href),
        /no index\.js at .*client-node-loading\.ts/,
      );
    });
  });
});
