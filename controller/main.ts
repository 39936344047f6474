// The controller process: one KubeConfig, one registry client, one Git HTTP agent; informers and
// work queues for GitSyncs and ImagePolicies; leader election (only the leader reconciles); the
// HTTP server; graceful shutdown.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'undici';
import {
  dockerConfigCredentials,
  isRegistryError,
  loadMetadataCache,
  parseDockerConfigJson,
  parseReference,
  RegistryClient,
  saveMetadataCache,
} from '../registry/index.ts';
import { API_VERSION, type GitSync, type ImagePolicy, RECONCILE_AT_ANNOTATION } from './api/types.ts';
import { registryScanners } from './automation/registry-scanner.ts';
import { ConfigError, type ControllerConfig } from './config.ts';
import { createGitHttpClient } from './git/index.ts';
import { KubeApi } from './kube/api.ts';
import { KubeClient } from './kube/client.ts';
import { EventRecorder } from './kube/events.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { GitSyncReconciler } from './reconcile/gitsync-reconciler.ts';
import { ImagePolicyReconciler } from './reconcile/imagepolicy-reconciler.ts';
import { type ResourceCache, startInformer } from './reconcile/informer.ts';
import { LeaderElector } from './reconcile/leader-election.ts';
import type { ScannerFactory } from './reconcile/ports.ts';
import { syncEngines } from './reconcile/sync-engine.ts';
import { WorkQueue } from './reconcile/work-queue.ts';
import { type RunningServer, startHttpServer } from './server/http-server.ts';
import { createWebhookCounter } from './server/webhook-metrics.ts';
import { webhookRoutes } from './server/webhook-routes.ts';
import { readWebhookSecret } from './server/webhook-secret.ts';

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

/** Starts the controller. */
export async function runController(config: ControllerConfig, logger: Logger): Promise<RunningController> {
  // Read before anything starts: a missing or empty secret file stops the controller at once.
  const webhookSecret = config.webhookSecretFile ? readWebhookSecret(config.webhookSecretFile) : undefined;
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const metrics = createMetrics();
  let resolveDone: (reason: string) => void = () => {};
  const done = new Promise<string>((resolve) => {
    resolveDone = resolve;
  });
  // Only the leader writes: every write to the cluster and every push asks the Lease's fence first.
  const elector = config.leaderElect
    ? new LeaderElector({
        kubeConfig,
        namespace: config.leaderElectionNamespace,
        name: config.leaderElectionId,
        identity: config.identity,
        ...config.leaderElection,
        onStartedLeading: () => {
          logger.info({ identity: config.identity }, 'started leading');
          metrics.leader.set(1);
          startInformers();
        },
        onStoppedLeading: () => {
          logger.error({ identity: config.identity }, 'lost leadership; writes stopped; stopping');
          metrics.leader.set(0);
          resolveDone('lost leadership');
        },
        onError: (error) => logger.warn({ err: (error as Error).message }, 'leader election request failed'),
      })
    : undefined;
  const fence = elector?.fence;
  const client = new KubeClient({ kubeConfig, ...(fence ? { fence } : {}) });
  mkdirSync(config.cacheDir, { recursive: true });
  const metadataPath = join(config.cacheDir, 'registry-metadata.json');
  const registry = new RegistryClient({
    insecureHosts: config.insecureRegistries,
    ...(config.dockerConfig
      ? { credentials: dockerConfigCredentials(readDockerConfig(config.dockerConfig)) }
      : {}),
    cache: await loadMetadataCache(metadataPath).catch(() => undefined),
  });
  const scanners = countedScanners(registryScanners(registry), metrics);
  const gitAgent = new Agent({ keepAliveTimeout: 30_000 });
  const events = new EventRecorder({ api: new KubeApi(client), logger, reportingInstance: config.identity });

  let informersSynced = false;
  let policies: ResourceCache<ImagePolicy> | undefined;
  let gitsyncs: ResourceCache<GitSync> | undefined;
  const gitSyncReconciler = new GitSyncReconciler({
    client,
    defaultServiceAccount: config.defaultServiceAccount,
    noCrossNamespaceRefs: config.noCrossNamespaceRefs,
    http: createGitHttpClient({ dispatcher: gitAgent, ...(fence ? { fence } : {}) }),
    scanners,
    engines: syncEngines({ kubeConfig, logger, reportingInstance: config.identity, fence }),
    events,
    logger,
    metrics,
    cacheDir: config.cacheDir,
    readLimits: config.readLimits,
    get: (namespace, name) => gitsyncs?.get(namespace, name),
    policies: () => policies?.list() ?? [],
  });
  const gitSyncQueue = new WorkQueue({
    concurrency: config.gitSyncConcurrency,
    process: (key) => timed(metrics, 'GitSync', () => gitSyncReconciler.reconcile(key)),
    onError: (key, error, retryInMs) =>
      logger.error({ gitsync: key, err: error, retryInMs }, 'reconcile failed'),
  });
  const imagePolicyReconciler = new ImagePolicyReconciler({
    client,
    defaultServiceAccount: config.defaultServiceAccount,
    scanners,
    events,
    logger,
    get: (namespace, name) => policies?.get(namespace, name),
    onLatestChanged: () => {
      // A marker or policy annotation in any GitSync may name this policy.
      for (const gitsync of gitsyncs?.list() ?? []) {
        const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
        gitSyncReconciler.requestAutomation(key);
        gitSyncQueue.add(key);
      }
    },
  });
  const imagePolicyQueue = new WorkQueue({
    concurrency: config.imagePolicyConcurrency,
    process: (key) => timed(metrics, 'ImagePolicy', () => imagePolicyReconciler.reconcile(key)),
    onError: (key, error, retryInMs) =>
      logger.error({ imagepolicy: key, err: error, retryInMs }, 'reconcile failed'),
  });

  const onChange =
    (queue: WorkQueue, onReconcileAt?: (key: string) => void) =>
    (
      key: string,
      object: { metadata?: { annotations?: Record<string, string> } },
      event: 'add' | 'update' | 'delete',
    ) => {
      if (!elector || elector.isLeader) {
        if (event !== 'delete' && object.metadata?.annotations?.[RECONCILE_AT_ANNOTATION])
          onReconcileAt?.(key);
        queue.add(key);
      }
    };
  const startInformers = () => {
    policies = startInformer<ImagePolicy>({
      kubeConfig,
      client,
      logger,
      resource: {
        group: 'tagpilot.io',
        version: 'v1alpha1',
        plural: 'imagepolicies',
        namespace: config.namespace,
      },
      onChange: onChange(imagePolicyQueue),
    });
    gitsyncs = startInformer<GitSync>({
      kubeConfig,
      client,
      logger,
      resource: {
        group: 'tagpilot.io',
        version: 'v1alpha1',
        plural: 'gitsyncs',
        namespace: config.namespace,
      },
      onChange: onChange(gitSyncQueue, (key) => gitSyncReconciler.requestAutomation(key)),
    });
    void Promise.all([policies.synced, gitsyncs.synced]).then(() => {
      informersSynced = true;
      logger.info({ apiVersion: API_VERSION }, 'caches synced');
      // The first reconcile of everything: informer adds may have arrived before leading.
      for (const policy of policies?.list() ?? [])
        imagePolicyQueue.add(`${policy.metadata.namespace}/${policy.metadata.name}`);
      for (const gitsync of gitsyncs?.list() ?? [])
        gitSyncQueue.add(`${gitsync.metadata.namespace}/${gitsync.metadata.name}`);
    });
  };

  if (elector) {
    elector.start();
  } else {
    metrics.leader.set(1);
    startInformers();
  }

  // /readyz: ready once both CRs have been listed (a standby replica: once it has read the Lease,
  // so it can take over); otherwise the body says why, e.g. the API server cannot be reached.
  const notReadyReason = (): string | undefined => {
    if (elector && !elector.isLeader) {
      return elector.hasSeenLease ? undefined : 'not ready: the leader election Lease has not been read yet';
    }
    if (informersSynced) return undefined;
    const failure = gitsyncs?.lastError() ?? policies?.lastError();
    if (failure !== undefined) return `not ready: cannot list GitSyncs and ImagePolicies: ${failure}`;
    return 'not ready: GitSyncs and ImagePolicies not listed yet';
  };
  const routes = webhookRoutes({
    secret: webhookSecret,
    logger,
    counter: createWebhookCounter(metrics.registry),
    maxBodyBytes: config.webhookMaxBodyBytes,
    targets: {
      ready: () => informersSynced && (!elector || elector.isLeader),
      gitSyncs: () => gitsyncs?.list() ?? [],
      imagePolicies: () => policies?.list() ?? [],
      forgetTag: (image) => registry.forgetTag({ ...image, digest: undefined }),
      scanImagePolicy: (key) => imagePolicyQueue.add(key),
      syncGitSync: (key) => gitSyncQueue.add(key),
      automateGitSync: (key) => {
        gitSyncReconciler.requestAutomation(key);
        gitSyncQueue.add(key);
      },
    },
  });
  const server: RunningServer = await startHttpServer({
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
      webhooks: webhookSecret === undefined ? 'disabled' : 'enabled',
    },
    'controller started',
  );
  const queueGauge = setInterval(() => {
    metrics.queueDepth.set({ queue: 'gitsync' }, gitSyncQueue.length);
    metrics.queueDepth.set({ queue: 'imagepolicy' }, imagePolicyQueue.length);
  }, 5000);
  queueGauge.unref();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(queueGauge);
      await Promise.allSettled([policies?.stop(), gitsyncs?.stop()]);
      await Promise.allSettled([gitSyncQueue.shutdown(), imagePolicyQueue.shutdown()]);
      await gitSyncReconciler.stop();
      await elector?.stop();
      await saveMetadataCache(registry.cache, metadataPath).catch(() => undefined);
      await Promise.allSettled([
        server.close(),
        metricsServer?.close(),
        registry.close(),
        gitAgent.close(),
        client.close(),
      ]);
      resolveDone('stopped');
    })();
    return stopping;
  };
  return { port: server.port, metricsPort: metricsServer?.port, metrics, stop, done };
}

/** Counts tag listings per registry host and result, and records the tag count per image. */
function countedScanners(scanners: ScannerFactory, metrics: Metrics): ScannerFactory {
  const registryOf = (repository: string) => {
    try {
      return parseReference(repository).registry;
    } catch {
      return 'invalid';
    }
  };
  return (options) => {
    const scanner = scanners(options);
    return {
      ...scanner,
      listTags: async (repository) => {
        const registryHost = registryOf(repository);
        try {
          const tags = await scanner.listTags(repository);
          metrics.scans.inc({ registry: registryHost, result: 'success' });
          metrics.tagsPerImage.set({ image: repository }, tags.length);
          return tags;
        } catch (error) {
          const result = isRegistryError(error) ? error.code.toLowerCase() : 'error';
          metrics.scans.inc({ registry: registryHost, result });
          throw error;
        }
      },
    };
  };
}

async function timed<T>(metrics: Metrics, kind: string, run: () => Promise<T>): Promise<T> {
  const end = metrics.reconcileSeconds.startTimer({ kind });
  try {
    const result = await run();
    metrics.reconciles.inc({ kind, result: 'success' });
    return result;
  } catch (error) {
    metrics.reconciles.inc({ kind, result: 'error' });
    throw error;
  } finally {
    end();
  }
}
