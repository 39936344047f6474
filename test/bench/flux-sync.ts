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
import { RECONCILE_AT_ANNOTATION } from '../../controller/api/types.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { createGitAuthSecret } from '../support/scenario.ts';
import { fluxMissing } from './flux-controllers.ts';
import { measureFlux } from './flux-peer.ts';
import { fluxRows, fluxUnavailableRows, type SideResult } from './flux-rows.ts';
import {
  allApplied,
  annotator,
  type Bench,
  type BenchRepository,
  createBenchRepository,
  FIRST_APPLY_TIMEOUT_MS,
  imageArrived,
  NOOP_RUNS,
  noopResync,
  STEP_TIMEOUT_MS,
  scaleUntilReverted,
  watchWorkloads,
} from './flux-workload.ts';
import type { Scenario } from './harness.ts';
import { installTagpilot, settledRss, syncs } from './scale-curves.ts';

const COMMIT_RUNS = 3;
const SCALE_TRIES = 20;
const TAGPILOT_NAMESPACE = 'tagpilot-system';

/** tagpilot running against one bench repository. */
interface TagpilotRun {
  bench: Bench;
  repo: BenchRepository;
  controller: ControllerProcess;
  /** The webhook secret the controller was started with. */
  secret: string;
}

/** tagpilot's side: installs deploy/, starts a fresh controller, times every step, stops it. */
async function measureTagpilot(bench: Bench, repo: BenchRepository): Promise<SideResult> {
  const { kube, git } = bench;
  await installTagpilot(kube);
  await createGitAuthSecret(kube, git, `${repo.name}-git-auth`, TAGPILOT_NAMESPACE);
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
    return await timeTagpilot({ bench, repo, controller, secret });
  } finally {
    await controller?.stop();
    // No finalizer: the objects stay, and a later controller of the bench does not adopt this GitSync.
    await kube.kubectl(['delete', 'gitsync', repo.name, '-n', TAGPILOT_NAMESPACE, '--wait=false'], {
      allowFailure: true,
    });
    removeTempDir(dir);
  }
}

/** Waits until the controller has finished `count` syncs of the GitSync (its own metrics). */
async function synced(run: TagpilotRun, count: number): Promise<void> {
  await waitFor(
    `GitSync ${run.repo.name}: sync ${count} done`,
    async () => (await syncs(run.controller, run.repo.name)).count >= count,
    { timeoutMs: STEP_TIMEOUT_MS, intervalMs: 20, onTimeout: () => run.controller.process.logTail(20) },
  );
}

/** tagpilot's side with its controller running: first apply, no-op re-syncs, RSS, commits, drift. */
async function timeTagpilot(run: TagpilotRun): Promise<SideResult> {
  const { bench, repo, controller } = run;
  const start = performance.now();
  await bench.kube.kubectl(['apply', '-f', '-'], {
    input: `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: ${repo.name}, namespace: ${TAGPILOT_NAMESPACE}}
spec:
  url: ${bench.git.repoUrl(repo.name)}
  secretRef: {name: ${repo.name}-git-auth}
  path: apps
  interval: 10m
  automation: {enabled: false}
`,
  });
  const firstApplyMs = (await allApplied(bench.watches, repo.prefix, FIRST_APPLY_TIMEOUT_MS)) - start;
  await synced(run, 1);
  const gitsync = {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'GitSync',
    namespace: TAGPILOT_NAMESPACE,
    name: repo.name,
  };
  const noop: SideResult['noop'] = [];
  for (let i = 0; i < 1 + bench.context.runs(NOOP_RUNS); i++) {
    const count = (await syncs(controller, repo.name)).count;
    const result = await noopResync(bench, [controller.process.pid], {
      trigger: () => bench.annotate(gitsync, { [RECONCILE_AT_ANNOTATION]: new Date().toISOString() }),
      triggerRequests: 1,
      done: () => synced(run, count + 1),
    });
    if (i > 0) noop.push(result);
  }
  const rssMb = await settledRss(controller.process.pid);
  const commit = await timeCommits(run);
  const drift: number[] = [];
  for (let i = 0; i < SCALE_TRIES; i++) {
    const namespace = `${repo.prefix}-${i % 4}`;
    drift.push(await scaleUntilReverted(bench.kube, bench.watches, namespace, `web-${10 + i}`, 30_000));
  }
  const driftMethod = `drift watch, ${drift.length} Deployments one after another`;
  return { firstApplyMs, noop, rssMb, rssParts: [rssMb], commit, drift, driftMethod };
}

/** Commits of one image line, each followed by a GitHub push event to /hooks/git. */
async function timeCommits(run: TagpilotRun): Promise<number[]> {
  const { bench, repo } = run;
  const commit: number[] = [];
  for (let i = 0; i < COMMIT_RUNS; i++) {
    const image = await repo.commitImage();
    const pushed = performance.now();
    const arrived = imageArrived(bench.watches, repo.prefix, image, STEP_TIMEOUT_MS);
    const response = await fetch(`http://127.0.0.1:${run.controller.port}/hooks/git`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${run.secret}`,
        'content-type': 'application/json',
        'x-github-event': 'push',
      },
      body: JSON.stringify({
        ref: 'refs/heads/main',
        repository: { clone_url: bench.git.repoUrl(repo.name) },
      }),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`POST /hooks/git answered ${response.status}`);
    commit.push((await arrived) - pushed);
  }
  return commit;
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
