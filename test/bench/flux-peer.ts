// The Flux side of the `flux` scenario (flux-sync.ts): source-controller and kustomize-controller
// started cold, a GitRepository + Kustomization of the bench repository, and the same steps as
// tagpilot's side. Flux is triggered with `reconcile.fluxcd.io/requestedAt`, as its
// notification-controller Receiver would (that controller is not served by the Go module proxy).
import { setTimeout as sleep } from 'node:timers/promises';
import { createGitAuthSecret } from '../support/scenario.ts';
import { processMemory } from './controller-fixture.ts';
import { FLUX_NAMESPACE, type FluxControllers, installFlux, startFlux } from './flux-controllers.ts';
import type { SideResult } from './flux-rows.ts';
import {
  allApplied,
  type Bench,
  type BenchRepository,
  FIRST_APPLY_TIMEOUT_MS,
  imageArrived,
  NOOP_RUNS,
  noopResync,
  STEP_TIMEOUT_MS,
  scaleUntilReverted,
} from './flux-workload.ts';
import { ObjectWatch, type WatchedObject } from './kube-observe.ts';
import { apiRequests, settledRss } from './scale-curves.ts';

const COMMIT_RUNS = 2;
const SCALE_TRIES = 5;
/** Between the scale tries: together they cover most of one 1m interval. */
const SCALE_STAGGER_MS = 12_000;
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

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

function fluxObjects(
  bench: Bench,
  repo: BenchRepository,
  kustomizationInterval: string,
  kustomizationTimeout?: string,
): string {
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
${kustomizationTimeout ? `  timeout: ${kustomizationTimeout}\n` : ''}`;
}

/** Flux's side: installs it, starts both controllers cold, times every step, stops them. */
export async function measureFlux(bench: Bench, repo: BenchRepository): Promise<SideResult> {
  return withFlux(bench, repo, (running) => timeFlux(bench, repo, running));
}

/**
 * Installs Flux, creates the repository's Git secret in flux-system, watches both CRs, starts both
 * controllers cold and runs `body`; stops them after.
 */
async function withFlux<T>(
  bench: Bench,
  repo: BenchRepository,
  body: (running: Pick<FluxRun, 'flux' | 'kustomizations' | 'repositories'>) => Promise<T>,
): Promise<T> {
  const { kube, git } = bench;
  const kubeconfig = await installFlux(kube);
  await createGitAuthSecret(kube, git, `${repo.name}-git-auth`, FLUX_NAMESPACE);
  const kustomizations = await ObjectWatch.start(
    kube.kubeConfig,
    '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations',
    fluxStatus,
  );
  let repositories: ObjectWatch<FluxStatus> | undefined;
  let flux: FluxControllers | undefined;
  try {
    repositories = await ObjectWatch.start(
      kube.kubeConfig,
      '/apis/source.toolkit.fluxcd.io/v1/gitrepositories',
      fluxStatus,
    );
    flux = await startFlux(kubeconfig);
    return await body({ flux, kustomizations, repositories });
  } catch (error) {
    if (flux) bench.context.log(`flux: ${flux.logTail()}`);
    throw error;
  } finally {
    await flux?.stop();
    kustomizations.stop();
    repositories?.stop();
  }
}

/** What the cost curve (scale-curves.ts) measures of Flux at one size. */
export interface FluxCurvePoint {
  /** Kustomization created → all objects exist (a watch). */
  firstApplyMs: number;
  /** kube-apiserver resource requests during the first apply (the bench's own apply included). */
  firstApplyRequests: number;
  /** One no-op re-sync (requestedAt on both CRs), `cpuMs` per controller. */
  noop: SideResult['noop'][number];
  /** Both controllers together: ready with no CRs, and settled after the first apply. */
  idleRssMb: number;
  rssMb: number;
  rssParts: number[];
  versions: string;
}

/**
 * Flux at one size of the cost curve, from a cold start: first apply, one no-op re-sync, RSS of
 * both controllers. Timeouts grow with `objects` (Flux applies ~1,000 objects in ~40 s on the
 * loaded 2-core machine); the Kustomization's own timeout too, or kustomize-controller gives up at
 * its interval. The GitRepository and Kustomization are deleted afterwards (their finalizers
 * dropped, as the controllers are stopped), so the next size's controllers see only their own.
 */
export async function measureFluxCurve(
  bench: Bench,
  repo: BenchRepository,
  objects: number,
): Promise<FluxCurvePoint> {
  const scale = Math.max(1, objects / 1_000);
  const firstApplyTimeoutMs = FIRST_APPLY_TIMEOUT_MS * scale;
  const stepTimeoutMs = STEP_TIMEOUT_MS * scale;
  try {
    return await withFlux(bench, repo, async (running) => {
      const run = fluxRun(bench, repo, running, stepTimeoutMs);
      const { flux, kustomizations } = running;
      const pids = [flux.source.pid, flux.kustomize.pid];
      const idleRssMb = pids.map((pid) => processMemory(pid).rss).reduce((a, b) => a + b, 0);
      const before = await apiRequests(bench.kube);
      const start = performance.now();
      await bench.kube.kubectl(['apply', '-f', '-'], {
        input: fluxObjects(bench, repo, '10m', `${Math.ceil(firstApplyTimeoutMs / 60_000)}m`),
      });
      const firstApplyMs =
        (await allApplied(bench.watches, repo.prefix, firstApplyTimeoutMs, objects)) - start;
      await kustomizations.until(
        'the Kustomization applied',
        () => kustomizations.get(run.key)?.revision !== undefined,
        stepTimeoutMs,
      );
      const firstApplyRequests = (await apiRequests(bench.kube)).all - before.all;
      const rssParts = await Promise.all(pids.map(settledRss));
      const [noop] = await timeNoops(run, 1, 0);
      if (!noop) throw new Error('Flux: no no-op re-sync measured');
      return {
        firstApplyMs,
        firstApplyRequests,
        noop,
        idleRssMb,
        rssMb: rssParts.reduce((a, b) => a + b, 0),
        rssParts,
        versions: flux.versions,
      };
    });
  } finally {
    await forgetFluxObjects(bench, repo.name);
  }
}

/** Deletes the repository's GitRepository and Kustomization with Flux stopped (finalizers dropped). */
async function forgetFluxObjects(bench: Bench, name: string): Promise<void> {
  const objects = [
    `kustomizations.kustomize.toolkit.fluxcd.io/${name}`,
    `gitrepositories.source.toolkit.fluxcd.io/${name}`,
  ];
  const options = { allowFailure: true };
  await bench.kube.kubectl(['delete', ...objects, '-n', FLUX_NAMESPACE, '--wait=false'], options);
  for (const object of objects) {
    await bench.kube.kubectl(
      ['patch', object, '-n', FLUX_NAMESPACE, '--type=merge', '-p', '{"metadata":{"finalizers":null}}'],
      options,
    );
  }
}

/** Flux running against one bench repository, and what its steps refer to. */
interface FluxRun {
  bench: Bench;
  repo: BenchRepository;
  flux: FluxControllers;
  kustomizations: ObjectWatch<FluxStatus>;
  repositories: ObjectWatch<FluxStatus>;
  /** `flux-system/<repository>`, the key of both CRs. */
  key: string;
  source: { apiVersion: string; kind: string; namespace: string; name: string };
  kustomization: { apiVersion: string; kind: string; namespace: string; name: string };
  /** Any wait of a step. */
  stepTimeoutMs: number;
}

function fluxRun(
  bench: Bench,
  repo: BenchRepository,
  running: Pick<FluxRun, 'flux' | 'kustomizations' | 'repositories'>,
  stepTimeoutMs = STEP_TIMEOUT_MS,
): FluxRun {
  const source = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    namespace: FLUX_NAMESPACE,
    name: repo.name,
  };
  const kustomization = { ...source, apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
  return {
    bench,
    repo,
    ...running,
    key: `${FLUX_NAMESPACE}/${repo.name}`,
    source,
    kustomization,
    stepTimeoutMs,
  };
}

/** Flux's side, its controllers running and its CRs watched. */
async function timeFlux(
  bench: Bench,
  repo: BenchRepository,
  running: Pick<FluxRun, 'flux' | 'kustomizations' | 'repositories'>,
): Promise<SideResult> {
  const run = fluxRun(bench, repo, running);
  const { flux, kustomizations } = running;
  const start = performance.now();
  // Interval 10m while the re-syncs are timed (a periodic reconcile must not land in them); 1m for drift.
  await bench.kube.kubectl(['apply', '-f', '-'], { input: fluxObjects(bench, repo, '10m') });
  const firstApplyMs = (await allApplied(bench.watches, repo.prefix, FIRST_APPLY_TIMEOUT_MS)) - start;
  await kustomizations.until(
    'the Kustomization applied',
    () => kustomizations.get(run.key)?.revision !== undefined,
    STEP_TIMEOUT_MS,
  );
  const noop = await timeNoops(run, bench.context.runs(NOOP_RUNS), 1);
  const rssParts = await Promise.all([flux.source.pid, flux.kustomize.pid].map(settledRss));
  const commit = await timeCommits(run);
  const drift = await timeDrift(run);
  return {
    firstApplyMs,
    noop,
    rssMb: rssParts.reduce((a, b) => a + b, 0),
    rssParts,
    commit,
    drift,
    driftMethod:
      `next Kustomization reconcile (interval 1m), ${drift.length} tries ` +
      `${SCALE_STAGGER_MS / 1000} s apart, the first once the interval change was reconciled`,
    versions: flux.versions,
  };
}

/** No-op re-syncs (`warmups` untimed first): requestedAt on both CRs, until both say they handled it. */
async function timeNoops(run: FluxRun, timed: number, warmups: number): Promise<SideResult['noop']> {
  const { bench, kustomizations, repositories, key, stepTimeoutMs } = run;
  const handled = async (token: string) => {
    await Promise.all([
      repositories.until(
        `GitRepository handled ${token}`,
        () => repositories.get(key)?.handled === token,
        stepTimeoutMs,
      ),
      kustomizations.until(
        `Kustomization handled ${token}`,
        () => kustomizations.get(key)?.handled === token,
        stepTimeoutMs,
      ),
    ]);
  };
  const noop: SideResult['noop'] = [];
  for (let i = 0; i < warmups + timed; i++) {
    const token = `bench-noop-${i}-${Date.now()}`;
    const result = await noopResync(bench, [run.flux.source.pid, run.flux.kustomize.pid], {
      trigger: async () => {
        await bench.annotate(run.source, { [REQUESTED_AT]: token });
        await bench.annotate(run.kustomization, { [REQUESTED_AT]: token });
      },
      triggerRequests: 2,
      done: () => handled(token),
    });
    if (i >= warmups) noop.push(result);
  }
  return noop;
}

/** Commits of one image line, each followed by requestedAt on the GitRepository (as a Receiver). */
async function timeCommits(run: FluxRun): Promise<number[]> {
  const commit: number[] = [];
  for (let i = 0; i < COMMIT_RUNS; i++) {
    const image = await run.repo.commitImage();
    const pushed = performance.now();
    const arrived = imageArrived(run.bench.watches, run.repo.prefix, image, STEP_TIMEOUT_MS);
    await run.bench.annotate(run.source, { [REQUESTED_AT]: `bench-commit-${i}-${Date.now()}` });
    commit.push((await arrived) - pushed);
  }
  return commit;
}

/** Scale tries staggered over one 1m interval, after the interval change itself was reconciled. */
async function timeDrift(run: FluxRun): Promise<number[]> {
  const { bench, repo, kustomizations, key } = run;
  const intervalApplied = kustomizations.events(
    'the Kustomization with interval 1m reconciled',
    [(k, v) => k === key && !v.current, (k, v) => k === key && v.current],
    STEP_TIMEOUT_MS,
  );
  intervalApplied.catch(() => {}); // awaited below
  await bench.kube.kubectl(['apply', '-f', '-'], { input: fluxObjects(bench, repo, '1m') });
  await intervalApplied;
  return Promise.all(
    Array.from({ length: SCALE_TRIES }, async (_, i) => {
      await sleep(i * SCALE_STAGGER_MS);
      const namespace = `${repo.prefix}-${i % 4}`;
      return scaleUntilReverted(bench.kube, bench.watches, namespace, `web-${10 + i}`, STEP_TIMEOUT_MS);
    }),
  );
}
