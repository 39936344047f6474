// The two control loops of the controller, GitSync and ImagePolicy: each reconciler wired to its
// real ports (Git, the one Kubernetes edge, registries) and to a control loop (informer + work
// queue) that runs only while this replica leads. A new latest tag of an ImagePolicy wakes only the
// GitSyncs whose manifests name it. A shard (`--shard-key`) lists only its own GitSyncs, but caches
// every ImagePolicy (its GitSyncs may name any) and scans only its own; another shard's policy
// wakes this shard's GitSyncs when its owner writes a new latest image.
import type { Agent } from 'undici';
import type { RegistryClient } from '../../registry/index.ts';
import { ownsObject, shardSelector } from '../api/sharding.ts';
import {
  API_VERSION,
  type GitSync,
  GROUP,
  type ImagePolicy,
  RECONCILE_AT_ANNOTATION,
  VERSION,
} from '../api/types.ts';
import { registryScanners } from '../automation/registry-scanner.ts';
import type { ControllerConfig } from '../config.ts';
import { createGitHttpClient } from '../git/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { ControlLoop, keyOf } from '../runtime/controller.ts';
import type { KubeEdge } from '../runtime/kube-edge.ts';
import type { TlsAgents } from '../util/tls-agents.ts';
import { GitSyncReconciler } from './gitsync-reconciler.ts';
import { gitSyncPorts, imagePolicyPorts } from './gitsync-wiring.ts';
import { ImagePolicyReconciler } from './imagepolicy-reconciler.ts';
import { countedScanners, timed } from './instrumentation.ts';
import { mayReference } from './policy-references.ts';
import { syncEngines } from './sync-engine.ts';
import { UnownedShardCheck } from './unowned-shard-check.ts';

/** The GitSync and ImagePolicy control loops with their reconcilers. */
export interface ControlLoops {
  gitsyncs: ControlLoop<GitSync>;
  policies: ControlLoop<ImagePolicy>;
  gitSyncReconciler: GitSyncReconciler;
  /** Starts both informers (when leading); every object is queued once both are listed. */
  start(): void;
  /** True once both kinds were listed. */
  synced(): boolean;
  /** Whether this controller (shard) scans `policy`; every ImagePolicy is cached, for reading. */
  ownsPolicy(policy: ImagePolicy): boolean;
  stop(): Promise<void>;
}

/** What the control loops are made of. */
export interface ControlLoopParts {
  config: ControllerConfig;
  logger: Logger;
  metrics: Metrics;
  edge: KubeEdge;
  registry: RegistryClient;
  /** The keep-alive agent of every Git request without TLS settings of its own. */
  gitAgent: Agent;
  /** The Git pools by TLS settings (a GitSync's certSecretRef, insecureSkipTLSVerify). Default: none. */
  gitTls?: TlsAgents | undefined;
}

/** Makes both control loops; nothing starts until `start()`. */
export function controlLoops(parts: ControlLoopParts): ControlLoops {
  const { config, logger, metrics, edge } = parts;
  const fence = edge.elector?.fence;
  const active = () => !edge.elector || edge.elector.isLeader;
  const scanners = countedScanners(
    registryScanners(parts.registry, { buildTimeBudget: config.buildTimeBudget }),
    metrics,
  );
  const gitSyncReconciler: GitSyncReconciler = new GitSyncReconciler({
    ports: gitSyncPorts({
      client: edge.client,
      http: createGitHttpClient({ dispatcher: parts.gitAgent, ...(fence ? { fence } : {}) }),
      withTls: (tls) => {
        const dispatcher = parts.gitTls?.get(tls) ?? parts.gitAgent;
        return {
          http: createGitHttpClient({ dispatcher, ...(fence ? { fence } : {}) }),
          forge: { dispatcher },
        };
      },
      ...(fence ? { ssh: { fence } } : {}),
      // Pull-request calls write to the forge: behind the same fence as `git push`.
      forge: { dispatcher: parts.gitAgent, ...(fence ? { fence } : {}) },
      scanners,
      engines: syncEngines({ ...edge, logger, reportingInstance: config.identity }),
      events: edge.events,
      cacheDir: config.cacheDir,
      readLimits: config.readLimits,
      kustomize: config.kustomize,
    }),
    defaultServiceAccount: config.defaultServiceAccount,
    noCrossNamespaceRefs: config.noCrossNamespaceRefs,
    logger,
    metrics,
    get: (namespace, name) => gitsyncs.get(namespace, name),
    policies: () => policies.list(),
  });
  const imagePolicyReconciler: ImagePolicyReconciler = new ImagePolicyReconciler({
    ports: imagePolicyPorts({ client: edge.client, scanners, events: edge.events }),
    defaultServiceAccount: config.defaultServiceAccount,
    logger,
    get: (namespace, name) => policies.get(namespace, name),
    onLatestChanged: (policy) => {
      for (const gitsync of gitsyncs.list()) if (mayReference(gitsync, policy)) automate(keyOf(gitsync));
    },
  });
  const ownsPolicy = (policy: ImagePolicy) => ownsObject(config.shardKey, policy);
  const loopOptions = (plural: string, kind: string) => ({
    client: edge.client,
    resource: { group: GROUP, version: VERSION, kind, resource: plural, namespaced: true },
    namespace: config.namespace,
    logger,
    active,
    onError: (key: string, error: unknown, retryInMs: number) =>
      logger.error({ [kind.toLowerCase()]: key, err: error, retryInMs }, 'reconcile failed'),
  });
  const gitsyncs: ControlLoop<GitSync> = new ControlLoop<GitSync>({
    ...loopOptions('gitsyncs', 'GitSync'),
    labelSelector: shardSelector(config.shardKey),
    concurrency: config.gitSyncConcurrency,
    reconcile: (key) => timed(metrics, 'GitSync', () => gitSyncReconciler.reconcile(key)),
    onChange: (key, object) => {
      if (object.metadata.annotations?.[RECONCILE_AT_ANNOTATION]) gitSyncReconciler.requestAutomation(key);
      // A dependency that changed (turned Ready, or failed differently) wakes the GitSyncs waiting for it.
      for (const dependent of gitSyncReconciler.dependentsToWake(key)) gitsyncs.queue.add(dependent);
    },
  });
  const policies: ControlLoop<ImagePolicy> = new ControlLoop<ImagePolicy>({
    ...loopOptions('imagepolicies', 'ImagePolicy'),
    concurrency: config.imagePolicyConcurrency,
    owns: ownsPolicy,
    // An add (at start, every cached policy) wakes nothing: only a new latest image written by the
    // policy's owner does, as `onLatestChanged` does for this shard's own.
    onNotOwnedChange: (policy, previous) => {
      if (!previous || !latestChanged(previous, policy)) return;
      for (const gitsync of gitsyncs.list()) if (mayReference(gitsync, policy)) automate(keyOf(gitsync));
    },
    // A key can still arrive for a policy this shard does not own (a webhook, a requeue from
    // before the policy was relabelled): it is not scanned here.
    reconcile: (key) => {
      const [namespace = '', name = ''] = key.split('/');
      const policy = policies.get(namespace, name);
      if (policy && !ownsPolicy(policy)) return Promise.resolve(undefined);
      return timed(metrics, 'ImagePolicy', () => imagePolicyReconciler.reconcile(key));
    },
  });
  // Only the unsharded controller looks for objects of shards that no controller runs (docs/sharding.md).
  const unowned =
    config.shardKey === undefined
      ? new UnownedShardCheck({
          client: edge.client,
          events: edge.events,
          logger,
          metrics,
          leaseNamespace: config.leaderElectionNamespace,
          leaseId: config.leaderElectionId,
          namespace: config.namespace,
          periodMs: config.unownedCheck.periodMs,
          firstCheckMs: Math.min(5000, config.unownedCheck.periodMs),
          graceMs: config.unownedCheck.graceMs,
        })
      : undefined;
  const automate = (key: string) => {
    gitSyncReconciler.requestAutomation(key);
    gitsyncs.queue.add(key);
  };
  return {
    gitsyncs,
    policies,
    gitSyncReconciler,
    start: () => {
      void Promise.all([policies.start(), gitsyncs.start()]).then(() =>
        logger.info({ apiVersion: API_VERSION }, 'caches synced'),
      );
      unowned?.start();
    },
    synced: () => gitsyncs.synced && policies.synced,
    ownsPolicy,
    stop: async () => {
      await Promise.allSettled([policies.stop(), gitsyncs.stop(), unowned?.stop()]);
      await gitSyncReconciler.stop();
    },
  };
}

/** Whether the owner of a policy recorded a different latest image (tag or digest) than before. */
function latestChanged(previous: ImagePolicy, current: ImagePolicy): boolean {
  const before = previous.status;
  const now = current.status;
  return (
    before?.latestImage !== now?.latestImage ||
    before?.latestTag !== now?.latestTag ||
    before?.latestDigest !== now?.latestDigest
  );
}
