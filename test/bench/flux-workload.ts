// What both sides of the `flux` scenario act on, built the same way for each: a repository of
// 1,000 objects on the bench's Git server with a working clone to commit to, the namespaces, and
// watches of the applied ConfigMaps and Deployments to time against (no polling).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { GitServer } from '../support/git-server.ts';
import type { KubeStack } from '../support/kube.ts';
import { makeTempDir, removeTempDir, run } from '../support/processes.ts';
import type { SideResult } from './flux-rows.ts';
import type { ScenarioContext } from './harness.ts';
import { ObjectWatch, type WatchedObject } from './kube-observe.ts';
import { apiRequests, cpuSeconds } from './scale-curves.ts';
import { BENCH_OBJECTS, createNamespaces, writeManifests } from './sync.ts';

/** No-op re-syncs timed per side (after one untimed). */
export const NOOP_RUNS = 3;
/** CR created → 1,000 objects, on a busy machine. */
export const FIRST_APPLY_TIMEOUT_MS = 900_000;
/** Any other wait. */
export const STEP_TIMEOUT_MS = 300_000;
/** Objects per namespace of a bench repository (150 ConfigMaps, 100 Deployments). */
export const OBJECTS_PER_NAMESPACE = 250;

/** What both sides share. */
export interface Bench {
  kube: KubeStack;
  git: GitServer;
  watches: WorkloadWatches;
  annotate: ReturnType<typeof annotator>;
  context: ScenarioContext;
}

/** One no-op re-sync: `trigger` starts it (counted as `triggerRequests`), `done` waits for its end. */
export async function noopResync(
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

/** What the benchmark compares of a Deployment. */
export interface DeploymentView {
  replicas: number | undefined;
  /** The image of container `app`. */
  image: string | undefined;
}

/** Watches of every bench ConfigMap and Deployment (namespaces starting `fx-`). */
export interface WorkloadWatches {
  configMaps: ObjectWatch<true>;
  deployments: ObjectWatch<DeploymentView>;
  stop(): void;
}

const ours = (object: WatchedObject) => object.metadata?.namespace?.startsWith('fx-') === true;

/** Starts the two watches; resolves once both are connected. */
export async function watchWorkloads(kubeConfig: KubeConfig): Promise<WorkloadWatches> {
  const configMaps = await ObjectWatch.start(kubeConfig, '/api/v1/configmaps', (object) =>
    ours(object) ? (true as const) : undefined,
  );
  const deployments = await ObjectWatch.start(kubeConfig, '/apis/apps/v1/deployments', (object) => {
    if (!ours(object)) return undefined;
    const spec = object.spec as
      | { replicas?: number; template?: { spec?: { containers?: { name: string; image?: string }[] } } }
      | undefined;
    return {
      replicas: spec?.replicas,
      image: spec?.template?.spec?.containers?.find((c) => c.name === 'app')?.image,
    };
  });
  return {
    configMaps,
    deployments,
    stop: () => {
      configMaps.stop();
      deployments.stop();
    },
  };
}

/**
 * Resolves with the time at which all `objects` (default 1,000) of namespaces `<prefix>-*` exist
 * (per namespace of 250: 150 ConfigMaps and 100 Deployments, as writeManifests writes them).
 */
export async function allApplied(
  watches: WorkloadWatches,
  prefix: string,
  timeoutMs: number,
  objects = BENCH_OBJECTS,
): Promise<number> {
  const mine = (key: string) => key.startsWith(`${prefix}-`);
  const deployments = (objects * 100) / OBJECTS_PER_NAMESPACE;
  const times = await Promise.all([
    watches.configMaps.until(
      `${objects - deployments} ConfigMaps in ${prefix}-*`,
      () => watches.configMaps.count(mine) === objects - deployments,
      timeoutMs,
    ),
    watches.deployments.until(
      `${deployments} Deployments in ${prefix}-*`,
      () => watches.deployments.count(mine) === deployments,
      timeoutMs,
    ),
  ]);
  return Math.max(...times);
}

/**
 * `kubectl scale --replicas=4` of a Deployment that Git says has 1; resolves with the milliseconds
 * from the watch seeing 4 until it sees 1 again. (Timing from kubectl returning would read 0 for a
 * revert that lands while kubectl is still exiting.)
 */
export async function scaleUntilReverted(
  kube: KubeStack,
  watches: WorkloadWatches,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<number> {
  const key = `${namespace}/${name}`;
  const reverted = watches.deployments.events(
    `${key} scaled to 4, then back at 1`,
    [(k, v) => k === key && v.replicas === 4, (k, v) => k === key && v.replicas === 1],
    timeoutMs,
  );
  reverted.catch(() => {}); // awaited below; kubectl failing first must not leave it unhandled
  await kube.kubectl(['scale', `deployment/${name}`, '--replicas=4', '-n', namespace]);
  const [scaled = Number.NaN, back = Number.NaN] = await reverted;
  return back - scaled;
}

/** A bench repository on the Git server and a working clone of it. */
export interface BenchRepository {
  /** The repository's name on the Git server. */
  name: string;
  /** Namespace prefix of its objects. */
  prefix: string;
  /** Commits the next image of Deployment `<prefix>-0/web-0`; resolves with it once pushed. */
  commitImage(): Promise<string>;
  remove(): void;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.test',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** The image line of `<prefix>-0/web-0` (writeManifests puts it in apps/part-01.yaml). */
const imageOf = (patch: number) => `registry.example.com/app:1.0.${patch}`;

/**
 * Writes `objects` (default 1,000; a multiple of 250, one namespace per 250) of `<prefix>-*` into
 * a new repository `name` on the Git server, creates their namespaces and clones the repository
 * for commits.
 */
export async function createBenchRepository(
  kube: KubeStack,
  git: GitServer,
  name: string,
  prefix: string,
  objects = BENCH_OBJECTS,
): Promise<BenchRepository> {
  if (!Number.isInteger(objects / OBJECTS_PER_NAMESPACE) || objects <= 0) {
    throw new Error(
      `bench repository ${name}: ${objects} objects is not a multiple of ${OBJECTS_PER_NAMESPACE}`,
    );
  }
  const namespaces = objects / OBJECTS_PER_NAMESPACE;
  const dir = makeTempDir(`bench-${name}`);
  await git.createRepo(name, { fromDir: writeManifests(prefix, join(dir, 'seed'), namespaces) });
  await createNamespaces(kube, prefix, namespaces);
  const work = join(dir, 'work');
  const gitIn = (args: string[]) => run('git', args, { cwd: work, env: GIT_ENV });
  await run('git', ['clone', '--quiet', git.authedRepoUrl(name), work], { env: GIT_ENV });
  let patch = 0;
  return {
    name,
    prefix,
    async commitImage() {
      const file = join(work, 'apps', 'part-01.yaml');
      const text = readFileSync(file, 'utf8');
      const from = `image: ${imageOf(patch)}\n`;
      if (!text.includes(from)) throw new Error(`${file} has no line ${from.trim()}`);
      patch++;
      writeFileSync(file, text.replace(from, `image: ${imageOf(patch)}\n`));
      await gitIn(['commit', '--quiet', '-am', `web-0 runs ${imageOf(patch)}`]);
      await gitIn(['push', '--quiet', 'origin', 'main']);
      return imageOf(patch);
    },
    remove: () => removeTempDir(dir),
  };
}

/** Resolves with the time at which `<prefix>-0/web-0` runs `image` in the API server. */
export function imageArrived(
  watches: WorkloadWatches,
  prefix: string,
  image: string,
  timeoutMs: number,
): Promise<number> {
  const key = `${prefix}-0/web-0`;
  return watches.deployments.until(
    `${key} to run ${image}`,
    () => watches.deployments.get(key)?.image === image,
    timeoutMs,
  );
}

/** Sets annotations on a custom resource with one merge PATCH (one API request once warm). */
export function annotator(
  kubeConfig: KubeConfig,
): (
  object: { apiVersion: string; kind: string; namespace: string; name: string },
  annotations: Record<string, string>,
) => Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig);
  return async ({ apiVersion, kind, namespace, name }, annotations) => {
    await client.patch(
      { apiVersion, kind, metadata: { namespace, name, annotations } },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
  };
}
