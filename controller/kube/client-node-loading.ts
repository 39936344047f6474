// Loads @kubernetes/client-node without its generated API classes (docs/decisions/0008).
//
// The controller uses two values of the package, KubeConfig and bufferFromFileOrString (kubeconfig
// loading and TLS material); it talks to the API server with its own client (client.ts). The
// package's index re-exports everything, and its config.js imports gen/index.js for two helpers of
// makeApiClient; gen/index.js pulls every generated API and model class, which is most of the
// package's load time and ~10-15 MiB of the controller's resident set. A module hook, registered
// by the `tagpilot` entry point before anything imports the package, redirects:
//
//   - the package's index to a module that re-exports only config.js;
//   - config.js's import of gen/index.js to a module that re-exports only createConfiguration and
//     ServerConfiguration (what config.js imports from it).
//
// A different layout of the package's dist/ (an upgrade) stops the start with a ClientNodeLayoutError
// that says what changed, instead of a missing-export SyntaxError or a quiet full load.
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

/** The values of @kubernetes/client-node that controller/ imports (client-node-loading.test.ts checks the list). */
export const USED_EXPORTS: readonly string[] = ['KubeConfig', 'bufferFromFileOrString'];

/** What config.js may import from gen/index.js, and where each of those lives under gen/. */
const GEN_EXPORTS: Readonly<Record<string, { file: string; declaration: RegExp }>> = {
  createConfiguration: { file: 'configuration.js', declaration: /^export function createConfiguration\b/m },
  ServerConfiguration: { file: 'servers.js', declaration: /^export class ServerConfiguration\b/m },
};

const TRIMMED = 'tagpilot-trimmed';

/** The package's dist/ no longer looks the way the trimmed load expects. */
export class ClientNodeLayoutError extends Error {
  constructor(detail: string) {
    super(
      `@kubernetes/client-node: its dist/ layout changed (${detail}); update controller/kube/client-node-loading.ts ` +
        '(docs/decisions/0008-trimmed-client-node-load.md) for this version',
    );
    this.name = 'ClientNodeLayoutError';
  }
}

/** URLs of the files the hook redirects, and the sources it serves instead. */
export interface TrimmedLayout {
  index: string;
  config: string;
  genIndex: string;
  indexSource: string;
  genIndexSource: string;
}

function read(url: URL, what: string): string {
  try {
    return readFileSync(url, 'utf8');
  } catch {
    throw new ClientNodeLayoutError(`no ${what} at ${url.pathname}`);
  }
}

/**
 * Checks the package's dist/ (the index URL as resolved for the package) and returns what the hook
 * redirects. Throws ClientNodeLayoutError when a file, an import or an export is not where it was.
 */
export function trimmedLayout(indexUrl: string): TrimmedLayout {
  const index = new URL(indexUrl);
  const config = new URL('./config.js', index);
  const genIndex = new URL('./gen/index.js', index);
  if (!/^export \* from '\.\/config\.js';$/m.test(read(index, 'index.js'))) {
    throw new ClientNodeLayoutError("index.js does not re-export './config.js'");
  }
  const configSource = read(config, 'config.js');
  for (const name of USED_EXPORTS) {
    if (!new RegExp(`^export (class|function|const) ${name}\\b`, 'm').test(configSource)) {
      throw new ClientNodeLayoutError(`config.js does not export ${name}`);
    }
  }
  const genImports = [...configSource.matchAll(/^import \{([^}]*)\} from '\.\/gen\/index\.js';$/gm)];
  if (genImports.length !== 1) {
    throw new ClientNodeLayoutError(
      `config.js has ${genImports.length} imports from './gen/index.js', expected 1`,
    );
  }
  if (/from '\.\/gen\/(?!index\.js')/.test(configSource)) {
    throw new ClientNodeLayoutError("config.js imports from './gen/' other than './gen/index.js'");
  }
  const names = (genImports[0]?.[1] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const reexports = names.map((name) => {
    const where = GEN_EXPORTS[name];
    if (where === undefined)
      throw new ClientNodeLayoutError(`config.js imports ${name} from './gen/index.js'`);
    if (!where.declaration.test(read(new URL(`./gen/${where.file}`, index), `gen/${where.file}`))) {
      throw new ClientNodeLayoutError(`gen/${where.file} does not export ${name}`);
    }
    return `export { ${name} } from './${where.file}';\n`;
  });
  return {
    index: index.href,
    config: config.href,
    genIndex: genIndex.href,
    indexSource: "export * from './config.js';\n",
    genIndexSource: reexports.join(''),
  };
}

let registered: TrimmedLayout | undefined;

/**
 * Registers the hook (once per process; later calls return the same layout). Call it before
 * anything imports @kubernetes/client-node: a module imported earlier stays as it was loaded.
 * Throws ClientNodeLayoutError when the package's layout changed.
 */
export function loadClientNodeTrimmed(): TrimmedLayout {
  if (registered) return registered;
  const layout = trimmedLayout(import.meta.resolve('@kubernetes/client-node'));
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (resolved.url === layout.index) return { ...resolved, url: `${layout.index}?${TRIMMED}` };
      if (resolved.url === layout.genIndex && context.parentURL === layout.config) {
        return { ...resolved, url: `${layout.genIndex}?${TRIMMED}` };
      }
      return resolved;
    },
    load(url, context, nextLoad) {
      if (url === `${layout.index}?${TRIMMED}`) {
        return { format: 'module', source: layout.indexSource, shortCircuit: true };
      }
      if (url === `${layout.genIndex}?${TRIMMED}`) {
        return { format: 'module', source: layout.genIndexSource, shortCircuit: true };
      }
      return nextLoad(url, context);
    },
  });
  registered = layout;
  return layout;
}
