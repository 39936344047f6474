// The API client that the kubectl-like flags (`--kubeconfig`, `--context`, `-n/--namespace`, declared
// in flags.ts) select. @kubernetes/client-node is loaded only here and only when a command talks to the API
// server: it takes seconds to import, and `check-policy` or `--help` must not pay for it.
import type { KubeClient } from '../kube/client.ts';
import { UsageError } from './errors.ts';

/** The values of the kubectl-like flags. */
export interface KubeOptions {
  /** Default: $KUBECONFIG, else ~/.kube/config, else the in-cluster config. */
  kubeconfig?: string;
  /** Default: the kubeconfig's current context. */
  context?: string;
  /** Default: every namespace for lists; the context's namespace for names. */
  namespace?: string;
}

/** An API client for the selected context. */
export interface KubeContext {
  client: KubeClient;
  /** `-n` when given. */
  namespace: string | undefined;
  /** The context's namespace, else `default` (for names given without a namespace and without `-n`). */
  contextNamespace: string;
  close(): Promise<void>;
}

/** Loads the kubeconfig the way kubectl does and opens a client; a bad file or context is a UsageError. */
export async function openKube(options: KubeOptions): Promise<KubeContext> {
  const [{ KubeConfig }, { KubeClient }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('../kube/client.ts'),
  ]);
  const kubeConfig = new KubeConfig();
  try {
    if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    const where = options.kubeconfig ?? 'the default kubeconfig';
    // One line: the YAML parser's message goes on to quote the file, which may hold a token.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot load ${where}: ${message.split('\n', 1)[0] ?? message}`);
  }
  if (options.context !== undefined) {
    if (kubeConfig.getContextObject(options.context) === null) {
      const known = kubeConfig.getContexts().map((context) => context.name);
      throw new UsageError(
        `no context "${options.context}" in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kubeConfig.setCurrentContext(options.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new UsageError('the kubeconfig has no current cluster (set a context with --context)');
  }
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const client = new KubeClient({ kubeConfig, requestTimeoutMs: 20_000 });
  return {
    client,
    namespace: options.namespace,
    contextNamespace: contextNamespace || 'default',
    close: () => client.close(),
  };
}

/** Runs `body` with an API client for the selected context and closes the client afterwards. */
export async function withKube<T>(options: KubeOptions, body: (kube: KubeContext) => Promise<T>): Promise<T> {
  const kube = await openKube(options);
  try {
    return await body(kube);
  } finally {
    await kube.close();
  }
}
