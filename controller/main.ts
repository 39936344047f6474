// The controller process: one Kubernetes edge (client, discovery, events, Lease), one registry
// client, one Git HTTP agent; a control loop (informer + work queue) each for GitSyncs and
// ImagePolicies, run only by the leader; the HTTP server; graceful shutdown.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'undici';
import {
  dockerConfigCredentials,
  loadMetadataCache,
  parseDockerConfigJson,
  RegistryClient,
  saveMetadataCache,
} from '../registry/index.ts';
import { ConfigError, type ControllerConfig } from './config.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { type ControlLoopParts, type ControlLoops, controlLoops } from './reconcile/control-loops.ts';
import { recordRegistryRequest } from './reconcile/instrumentation.ts';
import { createKubeEdge } from './runtime/kube-edge.ts';
import { type RunningServer, startHttpServer } from './server/http-server.ts';
import { createWebhookCounter } from './server/webhook-metrics.ts';
import { webhookRoutes } from './server/webhook-routes.ts';
import { readWebhookSecret } from './server/webhook-secret.ts';
import { type ConnectOption, readCaBundleFile, TlsAgents, tlsConnector } from './util/index.ts';

/** A running controller. */
export interface RunningController {
  /** Port of the HTTP server (useful with port 0). */
  port: number;
  /** Port of the metrics server, when --metrics-addr is set. */
  metricsPort: number | undefined;
  metrics: Metrics;
  /** Stops reconciling, releases leadership, closes everything; resolves when done. */
  stop(): Promise<void>;
  /** Resolves when the controller stopped on its own (lost leadership); the process should exit. */
  done: Promise<string>;
}

/**
 * Loads the KubeConfig the way kubectl does, unless a path was given. A file that cannot be read
 * or parsed, or one without a current cluster, is a ConfigError of one line: the parser's own
 * message quotes the file, which may hold a token.
 */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  const where = path ?? 'the default kubeconfig';
  try {
    if (path) kubeConfig.loadFromFile(path);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new ConfigError(`--kubeconfig: cannot load ${where}: ${firstLine(error)}`);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError(`--kubeconfig: ${where} has no current cluster (set current-context)`);
  }
  return kubeConfig;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}

/** Reads the controller-level docker config.json; a file that cannot be used stops the start with a ConfigError. */
function readDockerConfig(path: string): unknown {
  try {
    return parseDockerConfigJson(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--docker-config: cannot use ${path}: ${(error as Error).message}`);
  }
}

/** Reads and checks the --ca-file bundle; one that cannot be used stops the start with a ConfigError. */
function readCaFile(path: string): string {
  const read = readCaBundleFile(path);
  if (!read.ok) throw new ConfigError(read.message);
  return read.pem;
}

/** Starts the controller. */
export async function runController(config: ControllerConfig, logger: Logger): Promise<RunningController> {
  // Read before anything starts: a missing or empty secret file, or an unusable CA file, stops the controller at once.
  const webhookSecret = config.webhookSecretFile ? readWebhookSecret(config.webhookSecretFile) : undefined;
  const extraCa = config.caFile ? readCaFile(config.caFile) : undefined;
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const metrics = createMetrics({ shard: config.shardKey });
  const done = Promise.withResolvers<string>();
  const edge = createKubeEdge({
    kubeConfig,
    logger,
    identity: config.identity,
    election: config.leaderElect
      ? {
          namespace: config.leaderElectionNamespace,
          name: config.leaderElectionId,
          ...config.leaderElection,
          onStartedLeading: () => {
            logger.info({ identity: config.identity, lease: config.leaderElectionId }, 'started leading');
            metrics.leader.set(1);
            loops.start();
          },
          onStoppedLeading: () => {
            logger.error({ identity: config.identity }, 'lost leadership; writes stopped; stopping');
            metrics.leader.set(0);
            done.resolve('lost leadership');
          },
          onError: (error) =>
            logger.warn({ err: (error as Error).message }, 'leader election request failed'),
        }
      : undefined,
  });
  mkdirSync(config.cacheDir, { recursive: true });
  const metadataPath = join(config.cacheDir, 'registry-metadata.json');
  const warnInsecure = (what: string) => (host: string) =>
    logger.warn(
      { host },
      `WARNING: TLS certificate verification is off (insecureSkipTLSVerify) for a ${what} connection`,
    );
  const registry = new RegistryClient({
    insecureHosts: config.insecureRegistries,
    tlsHosts: config.tlsRegistries,
    extraCa,
    onInsecureConnection: warnInsecure('registry'),
    ...(config.dockerConfig
      ? { credentials: dockerConfigCredentials(readDockerConfig(config.dockerConfig)) }
      : {}),
    cache: await loadMetadataCache(metadataPath).catch(() => undefined),
    onRequest: (event) => recordRegistryRequest(metrics, event),
  });
  const gitAgentWith = (connect: ConnectOption) => new Agent({ keepAliveTimeout: 30_000, connect });
  const gitAgent = gitAgentWith(tlsConnector(undefined, extraCa));
  const gitTls = new TlsAgents({
    shared: gitAgent,
    make: gitAgentWith,
    extraCa,
    onInsecureConnection: warnInsecure('Git'),
  });
  const loops = controlLoops({ config, logger, metrics, edge, registry, gitAgent, gitTls });
  if (edge.elector) edge.elector.start();
  else {
    metrics.leader.set(1);
    loops.start();
  }
  const { server, metricsServer } = await serve({
    config,
    logger,
    metrics,
    edge,
    loops,
    registry,
    webhookSecret,
  });
  const queueGauge = setInterval(() => {
    metrics.queueDepth.set({ queue: 'gitsync' }, loops.gitsyncs.queue.length);
    metrics.queueDepth.set({ queue: 'imagepolicy' }, loops.policies.queue.length);
  }, 5000);
  queueGauge.unref();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(queueGauge);
      await loops.stop();
      await edge.close();
      await saveMetadataCache(registry.cache, metadataPath).catch(() => undefined);
      await Promise.allSettled([
        server.close(),
        metricsServer?.close(),
        registry.close(),
        gitTls.close(),
        gitAgent.close(),
      ]);
      done.resolve('stopped');
    })();
    return stopping;
  };
  return { port: server.port, metricsPort: metricsServer?.port, metrics, stop, done: done.promise };
}

/** The HTTP server (health, readiness, webhooks, and metrics unless `--metrics-addr` serves them apart). */
async function serve(
  parts: Omit<ControlLoopParts, 'gitAgent' | 'gitTls'> & {
    loops: ControlLoops;
    webhookSecret: string | undefined;
  },
): Promise<{ server: RunningServer; metricsServer: RunningServer | undefined }> {
  const { config, logger, metrics, edge, loops, webhookSecret } = parts;
  const { elector } = edge;
  // /readyz: ready once both CRs have been listed (a standby replica: once it has read the Lease,
  // so it can take over); otherwise the body says why, e.g. the API server cannot be reached.
  const notReadyReason = (): string | undefined => {
    if (elector && !elector.isLeader) {
      return elector.hasSeenLease ? undefined : 'not ready: the leader election Lease has not been read yet';
    }
    if (loops.synced()) return undefined;
    const failure = loops.gitsyncs.lastError() ?? loops.policies.lastError();
    if (failure !== undefined) return `not ready: cannot list GitSyncs and ImagePolicies: ${failure}`;
    return 'not ready: GitSyncs and ImagePolicies not listed yet';
  };
  const routes = webhookRoutes({
    secret: webhookSecret,
    logger,
    counter: createWebhookCounter(metrics.registry),
    maxBodyBytes: config.webhookMaxBodyBytes,
    targets: {
      ready: () => loops.synced() && (!elector || elector.isLeader),
      gitSyncs: () => loops.gitsyncs.list(),
      imagePolicies: () => loops.policies.list().filter(loops.ownsPolicy),
      forgetTag: (image) => parts.registry.forgetTag({ ...image, digest: undefined }),
      scanImagePolicy: (key) => loops.policies.queue.add(key),
      syncGitSync: (key) => loops.gitsyncs.queue.add(key),
      automateGitSync: (key) => {
        loops.gitSyncReconciler.requestAutomation(key);
        loops.gitsyncs.queue.add(key);
      },
    },
  });
  const server = await startHttpServer({
    host: config.httpAddr.host,
    port: config.httpAddr.port,
    ...(config.metricsAddr ? {} : { metrics: metrics.registry }),
    limits: config.httpLimits,
    notReady: () => notReadyReason(),
    routes,
  });
  const metricsServer: RunningServer | undefined = config.metricsAddr
    ? await startHttpServer({
        host: config.metricsAddr.host,
        port: config.metricsAddr.port,
        metrics: metrics.registry,
        limits: config.httpLimits,
        notReady: () => notReadyReason(),
      })
    : undefined;
  logger.info(
    {
      port: server.port,
      ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
      identity: config.identity,
      namespace: config.namespace ?? '(all)',
      shard: config.shardKey ?? '(unsharded)',
      webhooks: webhookSecret === undefined ? 'disabled' : 'enabled',
    },
    'controller started',
  );
  return { server, metricsServer };
}
