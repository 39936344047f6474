// The Flux side of the `flux` scenario (flux-sync.ts): source-controller and kustomize-controller
// started cold, a GitRepository + Kustomization of the bench repository, and the same steps as
// tagpilot's side. Flux is triggered with `reconcile.fluxcd.io/requestedAt`, as its
// notification-controller Receiver would (that controller is not served by the Go module proxy).
import { setTimeout as sleep } from 'node:timers/promises';
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
import { settledRss } from './scale-curves.ts';

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

/** Flux's side: installs it, starts both controllers cold, times every step, stops them. */
export async function measureFlux(bench: Bench, repo: BenchRepository): Promise<SideResult> {
  const { kube, git } = bench;
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
  let repositories: ObjectWatch<FluxStatus> | undefined;
  let flux: FluxControllers | undefined;
  try {
    repositories = await ObjectWatch.start(
      kube.kubeConfig,
      '/apis/source.toolkit.fluxcd.io/v1/gitrepositories',
      fluxStatus,
    );
    flux = await startFlux(kubeconfig);
    return await timeFlux(bench, repo, { flux, kustomizations, repositories });
  } catch (error) {
    if (flux) bench.context.log(`flux: ${flux.logTail()}`);
    throw error;
  } finally {
    await flux?.stop();
    kustomizations.stop();
    repositories?.stop();
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
}

/** Flux's side, its controllers running and its CRs watched. */
async function timeFlux(
  bench: Bench,
  repo: BenchRepository,
  running: Pick<FluxRun, 'flux' | 'kustomizations' | 'repositories'>,
): Promise<SideResult> {
  const source = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    namespace: FLUX_NAMESPACE,
    name: repo.name,
  };
  const kustomization = { ...source, apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization' };
  const run: FluxRun = {
    bench,
    repo,
    ...running,
    key: `${FLUX_NAMESPACE}/${repo.name}`,
    source,
    kustomization,
  };
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
  const noop = await timeNoops(run);
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

/** No-op re-syncs: requestedAt on both CRs, until both say they handled it. */
async function timeNoops(run: FluxRun): Promise<SideResult['noop']> {
  const { bench, kustomizations, repositories, key } = run;
  const handled = async (token: string) => {
    await Promise.all([
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
    ]);
  };
  const noop: SideResult['noop'] = [];
  for (let i = 0; i < 1 + bench.context.runs(NOOP_RUNS); i++) {
    const token = `bench-noop-${i}-${Date.now()}`;
    const result = await noopResync(bench, [run.flux.source.pid, run.flux.kustomize.pid], {
      trigger: async () => {
        await bench.annotate(run.source, { [REQUESTED_AT]: token });
        await bench.annotate(run.kustomization, { [REQUESTED_AT]: token });
      },
      triggerRequests: 2,
      done: () => handled(token),
    });
    if (i > 0) noop.push(result);
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
