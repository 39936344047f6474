/**
 * Scenario `flux`: tagpilot's GitSync against Flux v2 (source-controller GitRepository +
 * kustomize-controller Kustomization), same Git server, same kube-apiserver, each a repository of
 * the same 1,000 objects (ConfigMaps + Deployments in 4 namespaces of its own). One side at a
 * time, each from a cold start (a fresh controller process):
 * - first apply: the CR created → all 1,000 objects exist (seen by a watch);
 * - no-op re-sync (a warm-up, then N): wall time, API requests (kube-apiserver's
 *   apiserver_request_total, the trigger subtracted), CPU of the controller process(es);
 * - RSS at 1,000 objects (Flux: both controllers together);
 * - a Git commit of one image line → the Deployment has it (tagpilot: its /hooks/git webhook;
 *   Flux: the `reconcile.fluxcd.io/requestedAt` annotation on the GitRepository, what its
 *   notification-controller Receiver does — that controller is not served by the module proxy);
 * - `kubectl scale` → reverted: tagpilot's drift watch over many Deployments; Flux at its next
 *   reconcile with the Kustomization interval at 1m (tries staggered over one interval).
 * Needs `scripts/build-binaries.sh --with-bench`; without Flux the rows say so.
 * Run: node_modules/.bin/node test/bench/run.ts --only flux
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RECONCILE_AT_ANNOTATION } from '../../controller/api/types.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import type { GitServer } from '../support/git-server.ts';
import type { KubeStack } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { FLUX_NAMESPACE, fluxMissing, installFlux, startFlux } from './flux-controllers.ts';
import { fluxRows, fluxUnavailableRows, type SideResult } from './flux-rows.ts';
import {
  allApplied,
  annotator,
  type BenchRepository,
  createBenchRepository,
  imageArrived,
  scaleUntilReverted,
  type WorkloadWatches,
  watchWorkloads,
} from './flux-workload.ts';
import type { Scenario, ScenarioContext } from './harness.ts';
import { ObjectWatch, type WatchedObject } from './kube-observe.ts';
import { apiRequests, cpuSeconds, installTagpilot, settledRss, syncs } from './scale-curves.ts';

const NOOP_RUNS = 3;
const COMMIT_RUNS = { tagpilot: 3, flux: 2 };
const TAGPILOT_SCALE_TRIES = 20;
const FLUX_SCALE_TRIES = 5;
/** Between Flux's scale tries: together they cover one 1m interval. */
const FLUX_SCALE_STAGGER_MS = 12_000;
const FIRST_APPLY_TIMEOUT_MS = 900_000;
const STEP_TIMEOUT_MS = 300_000;
const TAGPILOT_NAMESPACE = 'tagpilot-system';
const FLUX_REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

/** What both sides share. */
export interface Bench {
  kube: KubeStack;
  git: GitServer;
  watches: WorkloadWatches;
  annotate: ReturnType<typeof annotator>;
  context: ScenarioContext;
}

/** One no-op re-sync: `trigger` starts it (counted as `triggerRequests`), `done` waits for its end. */
async function noopResync(
  bench: Bench,
  pids: number[],
  step: { trigger: () => Promise<void>; triggerRequests: number; done: () => Promise<void> },
): Promise<SideResult['noop'][number]> {
  const requests = await apiRequests(bench.kube);
  const cpu = pids.map(cpuSeconds);
  const start = performance.now();
  await step.trigger();
  await step.done();
  const ms = performance.now() - start;
  const cpuMs = pids.map((pid, i) => (cpuSeconds(pid) - (cpu[i] ?? Number.NaN)) * 1000);
  const after = await apiRequests(bench.kube);
  return { ms, requests: after.all - requests.all - step.triggerRequests, cpuMs };
}

async function measureTagpilot(bench: Bench, repo: BenchRepository): Promise<SideResult> {
  const { kube, git, watches } = bench;
  await installTagpilot(kube);
  const name = repo.name;
  await kube.kubectl([
    'create',
    'secret',
    'generic',
    `${name}-git-auth`,
    '-n',
    TAGPILOT_NAMESPACE,
    `--from-literal=username=${git.username}`,
    `--from-literal=password=${git.password}`,
  ]);
  const dir = makeTempDir('bench-flux-tagpilot');
  const secret = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'webhook-secret'), `${secret}\n`);
  let controller: ControllerProcess | undefined;
  try {
    controller = await startController({
      kubeconfig: kube.kubeconfigPath,
      name: 'bench-vs-flux',
      args: ['--log-level=info', '--no-leader-elect', `--webhook-secret-file=${join(dir, 'webhook-secret')}`],
    });
    const running = controller;
    const pid = running.process.pid;
    const start = performance.now();
    await kube.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: ${name}, namespace: ${TAGPILOT_NAMESPACE}}
spec:
  url: ${git.repoUrl(name)}
  secretRef: {name: ${name}-git-auth}
  path: apps
  interval: 10m
  automation: {enabled: false}
`,
    });
    const firstApplyMs = (await allApplied(watches, repo.prefix, FIRST_APPLY_TIMEOUT_MS)) - start;
    const synced = async (count: number) =>
      waitFor(
        `GitSync ${name}: sync ${count} done`,
        async () => (await syncs(running, name)).count >= count,
        {
          timeoutMs: STEP_TIMEOUT_MS,
          intervalMs: 20,
          onTimeout: () => running.process.logTail(20),
        },
      );
    await synced(1);
    const gitsync = {
      apiVersion: 'tagpilot.io/v1alpha1',
      kind: 'GitSync',
      namespace: TAGPILOT_NAMESPACE,
      name,
    };
    const noop: SideResult['noop'] = [];
    for (let i = 0; i < 1 + bench.context.runs(NOOP_RUNS); i++) {
      const count = (await syncs(running, name)).count;
      const run = await noopResync(bench, [pid], {
        trigger: () => bench.annotate(gitsync, { [RECONCILE_AT_ANNOTATION]: new Date().toISOString() }),
        triggerRequests: 1,
        done: () => synced(count + 1),
      });
      if (i > 0) noop.push(run);
    }
    const rssMb = await settledRss(pid);
    const commit: number[] = [];
    for (let i = 0; i < COMMIT_RUNS.tagpilot; i++) {
      const image = await repo.commitImage();
      const pushed = performance.now();
      const arrived = imageArrived(watches, repo.prefix, image, STEP_TIMEOUT_MS);
      const response = await fetch(`http://127.0.0.1:${running.port}/hooks/git`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          'x-github-event': 'push',
        },
        body: JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: git.repoUrl(name) } }),
      });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`POST /hooks/git answered ${response.status}`);
      commit.push((await arrived) - pushed);
    }
    const drift: number[] = [];
    for (let i = 0; i < TAGPILOT_SCALE_TRIES; i++) {
      const namespace = `${repo.prefix}-${i % 4}`;
      drift.push(await scaleUntilReverted(kube, watches, namespace, `web-${10 + i}`, 30_000));
    }
    const driftMethod = `drift watch, ${drift.length} Deployments one after another`;
    return { firstApplyMs, noop, rssMb, rssParts: [rssMb], commit, drift, driftMethod };
  } finally {
    await controller?.stop();
    // No finalizer: the objects stay, and a later controller of the bench does not adopt this GitSync.
    await kube.kubectl(['delete', 'gitsync', name, '-n', TAGPILOT_NAMESPACE, '--wait=false']);
    removeTempDir(dir);
  }
}

interface FluxStatus {
  handled: string | undefined;
  revision: string | undefined;
  /** The spec's generation has been reconciled. */
  current: boolean;
}

function fluxStatus(object: WatchedObject): FluxStatus {
  const status = object.status as
    | {
        lastHandledReconcileAt?: string;
        lastAppliedRevision?: string;
        artifact?: { revision?: string };
        observedGeneration?: number;
      }
    | undefined;
  const generation = (object.metadata as { generation?: number } | undefined)?.generation;
  return {
    handled: status?.lastHandledReconcileAt,
    revision: status?.lastAppliedRevision ?? status?.artifact?.revision,
    current: generation !== undefined && status?.observedGeneration === generation,
  };
}

function fluxObjects(bench: Bench, repo: BenchRepository, kustomizationInterval: string): string {
  return `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: ${repo.name}, namespace: ${FLUX_NAMESPACE}}
spec:
  url: ${bench.git.repoUrl(repo.name)}
  ref: {branch: main}
  secretRef: {name: ${repo.name}-git-auth}
  interval: 10m
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ${repo.name}, namespace: ${FLUX_NAMESPACE}}
spec:
  sourceRef: {kind: GitRepository, name: ${repo.name}}
  path: ./apps
  prune: true
  interval: ${kustomizationInterval}
`;
}

export async function measureFlux(bench: Bench, repo: BenchRepository): Promise<SideResult> {
  const { kube, git, watches } = bench;
  const kubeconfig = await installFlux(kube);
  await kube.kubectl([
    'create',
    'secret',
    'generic',
    `${repo.name}-git-auth`,
    '-n',
    FLUX_NAMESPACE,
    `--from-literal=username=${git.username}`,
    `--from-literal=password=${git.password}`,
  ]);
  const kustomizations = await ObjectWatch.start(
    kube.kubeConfig,
    '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations',
    fluxStatus,
  );
  const repositories = await ObjectWatch.start(
    kube.kubeConfig,
    '/apis/source.toolkit.fluxcd.io/v1/gitrepositories',
    fluxStatus,
  );
  const key = `${FLUX_NAMESPACE}/${repo.name}`;
  const flux = await startFlux(kubeconfig);
  try {
    const pids = [flux.source.pid, flux.kustomize.pid];
    const start = performance.now();
    // Interval 10m while the re-syncs are timed (a periodic reconcile must not land in them); 1m for drift.
    await kube.kubectl(['apply', '-f', '-'], { input: fluxObjects(bench, repo, '10m') });
    const firstApplyMs = (await allApplied(watches, repo.prefix, FIRST_APPLY_TIMEOUT_MS)) - start;
    await kustomizations.until(
      'the Kustomization applied',
      () => kustomizations.get(key)?.revision !== undefined,
      STEP_TIMEOUT_MS,
    );
    const handled = (token: string) =>
      Promise.all([
        repositories.until(
          `GitRepository handled ${token}`,
          () => repositories.get(key)?.handled === token,
          STEP_TIMEOUT_MS,
        ),
        kustomizations.until(
          `Kustomization handled ${token}`,
          () => kustomizations.get(key)?.handled === token,
          STEP_TIMEOUT_MS,
        ),
      ]).then(() => undefined);
    const source = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      namespace: FLUX_NAMESPACE,
      name: repo.name,
    };
    const kustomization = { ...source, apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
    const noop: SideResult['noop'] = [];
    for (let i = 0; i < 1 + bench.context.runs(NOOP_RUNS); i++) {
      const token = `bench-noop-${i}-${Date.now()}`;
      const run = await noopResync(bench, pids, {
        trigger: async () => {
          await bench.annotate(source, { [FLUX_REQUESTED_AT]: token });
          await bench.annotate(kustomization, { [FLUX_REQUESTED_AT]: token });
        },
        triggerRequests: 2,
        done: () => handled(token),
      });
      if (i > 0) noop.push(run);
    }
    const rssParts = await Promise.all(pids.map(settledRss));
    const commit: number[] = [];
    for (let i = 0; i < COMMIT_RUNS.flux; i++) {
      const image = await repo.commitImage();
      const pushed = performance.now();
      const arrived = imageArrived(watches, repo.prefix, image, STEP_TIMEOUT_MS);
      await bench.annotate(source, { [FLUX_REQUESTED_AT]: `bench-commit-${i}-${Date.now()}` });
      commit.push((await arrived) - pushed);
    }
    // The interval change is reconciled at once; the tries start after it, so each waits for a scheduled run.
    const intervalApplied = kustomizations.events(
      'the Kustomization with interval 1m reconciled',
      [(k, v) => k === key && !v.current, (k, v) => k === key && v.current],
      STEP_TIMEOUT_MS,
    );
    intervalApplied.catch(() => {}); // awaited below
    await kube.kubectl(['apply', '-f', '-'], { input: fluxObjects(bench, repo, '1m') });
    await intervalApplied;
    const drift = await Promise.all(
      Array.from({ length: FLUX_SCALE_TRIES }, async (_, i) => {
        await sleep(i * FLUX_SCALE_STAGGER_MS);
        return scaleUntilReverted(kube, watches, `${repo.prefix}-${i % 4}`, `web-${10 + i}`, STEP_TIMEOUT_MS);
      }),
    );
    return {
      firstApplyMs,
      noop,
      rssMb: rssParts.reduce((a, b) => a + b, 0),
      rssParts,
      commit,
      drift,
      driftMethod:
        `next Kustomization reconcile (interval 1m), ${drift.length} tries ` +
        `${FLUX_SCALE_STAGGER_MS / 1000} s apart, the first once the interval change was reconciled`,
      versions: flux.versions,
    };
  } catch (error) {
    bench.context.log(`flux: ${flux.logTail()}`);
    throw error;
  } finally {
    await flux.stop();
    kustomizations.stop();
    repositories.stop();
  }
}

/** The `flux` scenario. */
export const fluxScenario: Scenario = {
  id: 'flux',
  title:
    'tagpilot GitSync vs Flux GitRepository + Kustomization, 1,000 objects: apply, re-sync, drift, commit, RSS',
  async run(context) {
    const missing = fluxMissing();
    if (missing) return fluxUnavailableRows(this.id, missing);
    const [kube, git] = await Promise.all([context.stack.kube(), context.stack.git()]);
    const watches = await watchWorkloads(kube.kubeConfig);
    const bench: Bench = { kube, git, watches, annotate: annotator(kube.kubeConfig), context };
    const repos: BenchRepository[] = [];
    try {
      repos.push(await createBenchRepository(kube, git, 'fx-tagpilot', 'fx-tp'));
      repos.push(await createBenchRepository(kube, git, 'fx-flux', 'fx-flux'));
      const [ourRepo, fluxRepo] = repos as [BenchRepository, BenchRepository];
      context.log('flux: tagpilot side');
      const tagpilot = await measureTagpilot(bench, ourRepo);
      context.log(`flux: tagpilot ${JSON.stringify(tagpilot)}`);
      context.log('flux: Flux side');
      const flux = await measureFlux(bench, fluxRepo);
      context.log(`flux: Flux ${JSON.stringify(flux)}`);
      return fluxRows(this.id, tagpilot, flux);
    } finally {
      watches.stop();
      for (const repo of repos) repo.remove();
    }
  },
};
