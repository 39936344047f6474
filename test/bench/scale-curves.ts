/**
 * Scenarios `scale-objects` and `scale-policies` (`npm run bench -- --scale`): how the controller's
 * cost grows with what it manages (DESIGN §6: linear or better; RSS ≤ 400 MB at 10,000 objects).
 *
 * scale-objects: for 1,000 / 5,000 / 10,000 objects (ConfigMaps + Deployments, 250 per namespace),
 * a fresh controller process and one GitSync: the first apply (GitSync created → first sync done,
 * by the controller's own sync counter, so no polling reaches the API server), its API requests
 * (kube-apiserver's `apiserver_request_total`, resource requests only), a no-op re-sync asked with
 * the `reconcile-at` annotation (wall time, API requests, writes), the controller's CPU time, and
 * its RSS after settling. At each size Flux v2 (source-controller + kustomize-controller, see
 * flux-peer.ts `measureFluxCurve`) runs next, on the same API server and Git server, cold, over a
 * repository of its own with the same objects: first apply (Kustomization created → a watch has
 * seen every object), one no-op re-sync (requestedAt on the GitRepository and the Kustomization:
 * wall time, API requests, CPU of both controllers) and both controllers' RSS after settling.
 * `--scale-no-flux` leaves Flux out; without its binaries its rows say so. scale-policies: the same for 100 / 1,000 ImagePolicies (semver, one
 * repository of 3 tags each): time until every policy has chosen, registry requests, RSS.
 * Rows per size, then growth rows: the per-object (per-policy) cost at the largest size divided by
 * the cost at the smallest (≤ 1.25 reads as linear or better, with room for noise).
 *   npm run bench -- --scale                     (both, every size)
 *   npm run bench -- --scale --scale-objects 1000,5000 --scale-policies 100
 *   npm run bench -- --scale --scale-no-flux     (tagpilot only)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RECONCILE_AT_ANNOTATION } from '../../controller/api/types.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import type { KubeStack } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { createGitAuthSecret } from '../support/scenario.ts';
import { processMemory } from './controller-fixture.ts';
import { fluxMissing } from './flux-controllers.ts';
import { type FluxCurvePoint, measureFluxCurve } from './flux-peer.ts';
import {
  annotator,
  type Bench,
  type BenchRepository,
  createBenchRepository,
  OBJECTS_PER_NAMESPACE,
  watchWorkloads,
} from './flux-workload.ts';
import type { Row, Scenario, ScenarioContext } from './harness.ts';
import { createNamespaces, writeManifests } from './sync.ts';

const SYSTEM_NAMESPACE = 'tagpilot-system';
const SETTLE_MS = 5_000;
const RSS_SAMPLES = 5;
const root = join(import.meta.dirname, '..', '..');

/** Sizes from `--scale-objects` / `--scale-policies` (comma-separated), or the defaults. */
function sizes(variable: string, defaults: number[]): number[] {
  const text = process.env[variable];
  if (!text) return defaults;
  const values = text.split(',').map(Number);
  if (values.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`${variable}: ${text}`);
  return values;
}

/** Sum of a Prometheus counter's series in `text` whose labels pass `keep`. */
function sumSeries(text: string, name: string, keep: (labels: string) => boolean = () => true): number {
  let total = 0;
  for (const match of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    if (keep(match[1] ?? '')) total += Number(match[2]);
  }
  for (const match of text.matchAll(new RegExp(`^${name} (\\S+)$`, 'gm'))) total += Number(match[1]);
  return total;
}

/** kube-apiserver's resource requests so far, and the writes among them (apply, create, update, delete). */
export async function apiRequests(kube: KubeStack): Promise<{ all: number; writes: number }> {
  const { stdout } = await kube.kubectl(['get', '--raw', '/metrics']);
  const resource = (labels: string) => /resource="[^"]+"/.test(labels);
  const write = (labels: string) =>
    resource(labels) &&
    /verb="(APPLY|PATCH|POST|PUT|DELETE|CREATE|UPDATE)"/.test(labels) &&
    !/resource="(events|leases|gitsyncs|imagepolicies)"/.test(labels);
  return {
    all: sumSeries(stdout, 'apiserver_request_total', resource),
    writes: sumSeries(stdout, 'apiserver_request_total', write),
  };
}

/** User + system CPU seconds of a process so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function controllerMetrics(controller: ControllerProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${controller.port}/metrics`)).text();
}

/** Completed syncs of a GitSync, from the controller's `tagpilot_sync_duration_seconds` histogram. */
export async function syncs(
  controller: ControllerProcess,
  gitsync: string,
): Promise<{ count: number; seconds: number }> {
  const text = await controllerMetrics(controller);
  const mine = (labels: string) => labels.includes(`gitsync="${SYSTEM_NAMESPACE}/${gitsync}"`);
  return {
    count: sumSeries(text, 'tagpilot_sync_duration_seconds_count', mine),
    seconds: sumSeries(text, 'tagpilot_sync_duration_seconds_sum', mine),
  };
}

/** Median VmRSS over a few samples, after the process has settled. */
export async function settledRss(pid: number): Promise<number> {
  await sleep(SETTLE_MS);
  const values: number[] = [];
  for (let i = 0; i < RSS_SAMPLES; i++) {
    if (i > 0) await sleep(1000);
    values.push(processMemory(pid).rss);
  }
  return values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

/** Installs deploy/ (CRDs, namespace, RBAC) and waits for the CRDs. */
export async function installTagpilot(kube: KubeStack): Promise<void> {
  await kube.kubectl(['apply', '-k', join(root, 'deploy')]);
  await kube.kubectl([
    'wait',
    '--for=condition=Established',
    'crd/gitsyncs.tagpilot.io',
    'crd/imagepolicies.tagpilot.io',
    '--timeout=60s',
  ]);
}

/** A controller of its own for one measurement; only the objects of this scenario exist for it. */
async function freshController(kube: KubeStack, name: string): Promise<ControllerProcess> {
  return startController({
    kubeconfig: kube.kubeconfigPath,
    name,
    args: ['--log-level=info', '--no-leader-elect'],
  });
}

export interface ObjectsPoint {
  objects: number;
  firstApplyMs: number;
  firstApplyRequests: number;
  resyncMs: number;
  resyncRequests: number;
  resyncWrites: number;
  resyncCpuSeconds: number;
  idleRss: number;
  rss: number;
  /** Flux at the same size, when it ran. */
  flux?: FluxCurvePoint;
}

/** Why Flux is left out of the curve (`--scale-no-flux`, or not built), or undefined. */
function fluxLeftOut(): string | undefined {
  if (process.env.TAGPILOT_BENCH_SCALE_NO_FLUX) return 'Flux left out (--scale-no-flux)';
  return fluxMissing();
}

/**
 * Flux at one size: a repository of its own with the same objects (namespaces `fx-scale-<n>-*`),
 * watched for the first apply, then measureFluxCurve.
 */
async function measureFluxObjects(context: ScenarioContext, objects: number): Promise<FluxCurvePoint> {
  const [kube, git] = await Promise.all([context.stack.kube(), context.stack.git()]);
  const watches = await watchWorkloads(kube.kubeConfig);
  const bench: Bench = { kube, git, watches, annotate: annotator(kube.kubeConfig), context };
  let repo: BenchRepository | undefined;
  try {
    const name = `fx-scale-${objects}`;
    const rounded = Math.ceil(objects / OBJECTS_PER_NAMESPACE) * OBJECTS_PER_NAMESPACE;
    repo = await createBenchRepository(kube, git, name, name, rounded);
    return await measureFluxCurve(bench, repo, rounded);
  } finally {
    watches.stop();
    repo?.remove();
  }
}

async function measureObjects(context: ScenarioContext, objects: number): Promise<ObjectsPoint> {
  const [kube, git] = await Promise.all([context.stack.kube(), context.stack.git()]);
  const name = `scale-${objects}`;
  const namespaces = Math.ceil(objects / OBJECTS_PER_NAMESPACE);
  const temp = makeTempDir(`bench-${name}`);
  writeManifests(name, temp, namespaces);
  await git.createRepo(name, { fromDir: temp });
  await createNamespaces(kube, name, namespaces);
  await createGitAuthSecret(kube, git, `${name}-git-auth`, SYSTEM_NAMESPACE);
  const controller = await freshController(kube, `bench-${name}`);
  try {
    const pid = controller.process.pid;
    const idleRss = processMemory(pid).rss;
    const before = await apiRequests(kube);
    const start = performance.now();
    await kube.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: ${name}, namespace: ${SYSTEM_NAMESPACE}}
spec:
  url: ${git.repoUrl(name)}
  secretRef: {name: ${name}-git-auth}
  interval: 10m
  automation: {enabled: false}
`,
    });
    await waitFor(
      `GitSync ${name}: first sync of ${objects} objects`,
      async () => (await syncs(controller, name)).count >= 1,
      {
        timeoutMs: 1_800_000,
        intervalMs: 200,
        onTimeout: () => controller.process.logTail(30),
      },
    );
    const firstApplyMs = performance.now() - start;
    const afterFirst = await apiRequests(kube);
    const rss = await settledRss(pid);
    const done = await syncs(controller, name);
    const cpuBefore = cpuSeconds(pid);
    const resyncStart = performance.now();
    const patch = JSON.stringify({
      metadata: { annotations: { [RECONCILE_AT_ANNOTATION]: new Date().toISOString() } },
    });
    await kube.kubectl(['patch', 'gitsync', name, '-n', SYSTEM_NAMESPACE, '--type=merge', '-p', patch]);
    await waitFor(
      `GitSync ${name}: re-sync`,
      async () => (await syncs(controller, name)).count > done.count,
      {
        timeoutMs: 600_000,
        intervalMs: 100,
        onTimeout: () => controller.process.logTail(30),
      },
    );
    const resyncMs = performance.now() - resyncStart;
    const resyncCpuSeconds = cpuSeconds(pid) - cpuBefore;
    const afterResync = await apiRequests(kube);
    return {
      objects,
      firstApplyMs,
      // The GitSync apply and the annotation patch are the only requests besides the controller's.
      firstApplyRequests: afterFirst.all - before.all,
      resyncMs,
      resyncRequests: afterResync.all - afterFirst.all,
      resyncWrites: afterResync.writes - afterFirst.writes,
      resyncCpuSeconds,
      idleRss,
      rss,
    };
  } finally {
    await controller.stop();
    // The objects stay (no finalizer prunes them); the GitSync goes, so the next size's controller
    // manages only its own.
    await kube.kubectl(['delete', 'gitsync', name, '-n', SYSTEM_NAMESPACE, '--wait=false']);
    removeTempDir(temp);
  }
}

interface PoliciesPoint {
  policies: number;
  chooseMs: number;
  registryRequests: number;
  idleRss: number;
  rss: number;
}

const TAGS = ['1.0.0', '1.1.0', '1.2.0'];

async function measurePolicies(context: ScenarioContext, policies: number): Promise<PoliciesPoint> {
  const [kube, registry] = await Promise.all([context.stack.kube(), context.stack.registry()]);
  const namespace = `scale-policies-${policies}`;
  const repository = (i: number) => `scale${policies}/app-${String(i).padStart(4, '0')}`;
  let next = 0;
  const pushOne = async () => {
    while (next < policies) await registry.push.pushManyTags(repository(next++), TAGS, 3);
  };
  await Promise.all(Array.from({ length: 8 }, pushOne));
  await kube.kubectl(['create', 'namespace', namespace]);
  const controller = await freshController(kube, `bench-${namespace}`);
  try {
    const pid = controller.process.pid;
    const idleRss = processMemory(pid).rss;
    const documents = Array.from(
      { length: policies },
      (_, i) => `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: app-${i}, namespace: ${namespace}}
spec:
  image: ${registry.host}/${repository(i)}
  policy: {semver: {range: "^1"}}
`,
    );
    const requestsBefore = sumSeries(await controllerMetrics(controller), 'tagpilot_registry_requests_total');
    const start = performance.now();
    await kube.kubectl(['apply', '-f', '-'], { input: documents.join('---\n') });
    await waitFor(
      `${policies} ImagePolicies to choose ${TAGS.at(-1)}`,
      async () => {
        const { stdout } = await kube.kubectl([
          'get',
          'imagepolicies',
          '-n',
          namespace,
          '-o',
          'jsonpath={range .items[*]}{.status.latestTag}{"\\n"}{end}',
        ]);
        return stdout.split('\n').filter((tag) => tag === TAGS.at(-1)).length === policies;
      },
      { timeoutMs: 1_200_000, intervalMs: 500, onTimeout: () => controller.process.logTail(20) },
    );
    const chooseMs = performance.now() - start;
    const registryRequests =
      sumSeries(await controllerMetrics(controller), 'tagpilot_registry_requests_total') - requestsBefore;
    const rss = await settledRss(pid);
    return { policies, chooseMs, registryRequests, idleRss, rss };
  } finally {
    await controller.stop();
    await kube.kubectl(['delete', 'imagepolicies', '--all', '-n', namespace, '--wait=false']);
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** The per-unit cost at the largest size over the cost at the smallest: ≤ 1.25 is linear or better. */
function growthRow(scenario: string, label: string, perUnit: (number | undefined)[], sizesText: string): Row {
  const first = perUnit[0];
  const last = perUnit.at(-1);
  const value = first && last !== undefined ? last / first : Number.NaN;
  return {
    scenario,
    label: `${label} per unit, ${sizesText}`,
    unit: 'x',
    ours: { name: 'tagpilot', values: [value] },
    target: { text: '≤ 1.25× (linear or better)', maxValue: 1.25 },
  };
}

/** The `scale-objects` scenario. */
export const scaleObjectsScenario: Scenario = {
  id: 'scale-objects',
  title:
    'cost curve: 1k / 5k / 10k objects, tagpilot and Flux (first apply, no-op re-sync, API requests, RSS)',
  async run(context) {
    const kube = await context.stack.kube();
    await installTagpilot(kube);
    const points: ObjectsPoint[] = [];
    const leftOut = fluxLeftOut();
    for (const objects of sizes('TAGPILOT_BENCH_SCALE_OBJECTS', [1_000, 5_000, 10_000])) {
      context.log(`scale-objects: ${count(objects)} objects, tagpilot`);
      const point = await measureObjects(context, objects);
      context.log(`scale-objects: tagpilot ${JSON.stringify(point)}`);
      if (!leftOut) {
        context.log(`scale-objects: ${count(objects)} objects, Flux`);
        point.flux = await measureFluxObjects(context, objects);
        context.log(`scale-objects: Flux ${JSON.stringify(point.flux)}`);
      }
      points.push(point);
    }
    return scaleObjectsRows(this.id, points, leftOut);
  },
};

/** The `scale-objects` rows: per size tagpilot next to Flux, then the growth rows of both. */
export function scaleObjectsRows(scenario: string, points: ObjectsPoint[], fluxLeftOut?: string): Row[] {
  const FLUX = 'Flux';
  const flux = (p: ObjectsPoint, value: (f: FluxCurvePoint) => number, name = FLUX) =>
    p.flux ? { peer: { name, values: [value(p.flux)] } } : {};
  const perObject = (value: number, objects: number, unit: string) =>
    `${(value / objects).toFixed(2)} ${unit} per object`;
  const rows: Row[] = [];
  for (const p of points) {
    const n = count(p.objects);
    const f = p.flux;
    const fluxCpu = f ? f.noop.cpuMs.reduce((a, b) => a + b, 0) : Number.NaN;
    rows.push(
      {
        scenario,
        label: `first apply, ${n} objects`,
        unit: 'ms',
        ours: { name: 'tagpilot', values: [p.firstApplyMs] },
        ...flux(p, (x) => x.firstApplyMs),
        note:
          `tagpilot: GitSync created → its first sync done, ${perObject(p.firstApplyMs, p.objects, 'ms')}` +
          (f
            ? `; Flux: Kustomization created → a watch saw all ${count(p.objects)} objects, ` +
              `${perObject(f.firstApplyMs, p.objects, 'ms')}; ${f.versions}`
            : ''),
      },
      {
        scenario,
        label: `first apply API requests, ${n} objects`,
        unit: 'requests',
        ours: { name: 'tagpilot', values: [p.firstApplyRequests] },
        ...flux(p, (x) => x.firstApplyRequests),
        note:
          `kube-apiserver's resource requests; tagpilot ${perObject(p.firstApplyRequests, p.objects, 'requests')}` +
          (f ? `, Flux ${perObject(f.firstApplyRequests, p.objects, 'requests')}` : ''),
      },
      {
        scenario,
        label: `no-op re-sync, ${n} objects`,
        unit: 'ms',
        ours: { name: 'tagpilot', values: [p.resyncMs] },
        ...flux(p, (x) => x.noop.ms),
        note:
          `tagpilot: reconcile-at annotation → its next sync done, ${p.resyncWrites} writes` +
          (f ? '; Flux: requestedAt on the GitRepository and the Kustomization → both handled it' : ''),
      },
      {
        scenario,
        label: `no-op re-sync API requests, ${n} objects`,
        unit: 'requests',
        ours: { name: 'tagpilot', values: [p.resyncRequests] },
        ...flux(p, (x) => x.noop.requests),
        note: 'trigger PATCHes subtracted (Flux), or counted (tagpilot: 1)',
      },
      {
        scenario,
        label: `no-op re-sync controller CPU, ${n} objects`,
        unit: 'ms',
        ours: { name: 'tagpilot', values: [p.resyncCpuSeconds * 1000] },
        ...flux(p, () => fluxCpu, 'source- + kustomize-controller'),
        note:
          `user + system from /proc; tagpilot ${((p.resyncCpuSeconds * 1000) / p.objects).toFixed(2)} ms per object` +
          (f
            ? `, Flux ${(fluxCpu / p.objects).toFixed(2)} ms per object (source-controller ` +
              `${(f.noop.cpuMs[0] ?? Number.NaN).toFixed(0)} ms, kustomize-controller ` +
              `${(f.noop.cpuMs[1] ?? Number.NaN).toFixed(0)} ms)`
            : ''),
      },
      {
        scenario,
        label: `controller RSS, ${n} objects`,
        unit: 'MB',
        ours: { name: 'tagpilot', values: [p.rss] },
        ...flux(p, (x) => x.rssMb, 'source- + kustomize-controller'),
        ...(p.objects === 10_000 ? { target: { text: '≤ 400 MB', maxValue: 400 } } : {}),
        note:
          `tagpilot idle before the GitSync ${p.idleRss.toFixed(1)} MB, ` +
          `${(((p.rss - p.idleRss) * 1024) / p.objects).toFixed(1)} KB per object above idle` +
          (f
            ? `; Flux idle ${f.idleRssMb.toFixed(1)} MB (both), ${(((f.rssMb - f.idleRssMb) * 1024) / p.objects).toFixed(1)} ` +
              `KB per object above idle (source-controller ${(f.rssParts[0] ?? Number.NaN).toFixed(0)} MB, ` +
              `kustomize-controller ${(f.rssParts[1] ?? Number.NaN).toFixed(0)} MB)`
            : ''),
      },
    );
    if (fluxLeftOut) {
      rows.push({
        scenario,
        label: `vs Flux: ${n} objects`,
        unit: 'ms',
        ours: { name: 'tagpilot', values: [] },
        unavailable: fluxLeftOut,
      });
    }
  }
  if (points.length > 1) {
    const span = `${count(points[0]?.objects ?? 0)} → ${count(points.at(-1)?.objects ?? 0)}`;
    const growth = (
      label: string,
      ours: (p: ObjectsPoint) => number,
      theirs: (f: FluxCurvePoint, p: ObjectsPoint) => number,
    ) => {
      const row = growthRow(scenario, label, points.map(ours), span);
      if (!points.every((p) => p.flux)) return row;
      const peer = growthRow(
        scenario,
        label,
        points.map((p) => (p.flux ? theirs(p.flux, p) : Number.NaN)),
        span,
      ).ours.values;
      return {
        ...row,
        peer: { name: FLUX, values: peer },
        ...(label === 'first apply time'
          ? {
              note:
                "growth rows: the peer column is Flux's own growth over the same sizes, the ratio tagpilot's " +
                "growth over Flux's (< 1: tagpilot's cost per object grows less); the target is tagpilot's",
            }
          : {}),
      };
    };
    rows.push(
      growth(
        'first apply time',
        (p) => p.firstApplyMs / p.objects,
        (f, p) => f.firstApplyMs / p.objects,
      ),
      growth(
        'first apply API requests',
        (p) => p.firstApplyRequests / p.objects,
        (f, p) => f.firstApplyRequests / p.objects,
      ),
      growth(
        'no-op re-sync time',
        (p) => p.resyncMs / p.objects,
        (f, p) => f.noop.ms / p.objects,
      ),
      growth(
        'no-op re-sync API requests',
        (p) => p.resyncRequests / p.objects,
        (f, p) => f.noop.requests / p.objects,
      ),
      growth(
        'no-op re-sync controller CPU',
        (p) => p.resyncCpuSeconds / p.objects,
        (f, p) => f.noop.cpuMs.reduce((a, b) => a + b, 0) / p.objects,
      ),
      growth(
        'RSS above idle',
        (p) => (p.rss - p.idleRss) / p.objects,
        (f, p) => (f.rssMb - f.idleRssMb) / p.objects,
      ),
    );
  }
  return rows;
}

/** The `scale-policies` scenario. */
export const scalePoliciesScenario: Scenario = {
  id: 'scale-policies',
  title: 'cost curve: 100 / 1,000 ImagePolicies (time to choose, registry requests, RSS)',
  async run(context) {
    const kube = await context.stack.kube();
    await installTagpilot(kube);
    const points: PoliciesPoint[] = [];
    for (const policies of sizes('TAGPILOT_BENCH_SCALE_POLICIES', [100, 1_000])) {
      context.log(`scale-policies: ${count(policies)} ImagePolicies`);
      points.push(await measurePolicies(context, policies));
    }
    const rows: Row[] = points.flatMap((p): Row[] => [
      {
        scenario: this.id,
        label: `all chosen, ${count(p.policies)} ImagePolicies`,
        unit: 'ms',
        ours: { name: 'tagpilot', values: [p.chooseMs] },
        note: `${count(p.registryRequests)} registry requests (${(p.registryRequests / p.policies).toFixed(2)} per policy)`,
      },
      {
        scenario: this.id,
        label: `controller RSS, ${count(p.policies)} ImagePolicies`,
        unit: 'MB',
        ours: { name: 'tagpilot', values: [p.rss] },
        note: `idle ${p.idleRss.toFixed(1)} MB; ${(((p.rss - p.idleRss) * 1024) / p.policies).toFixed(1)} KB per policy above idle`,
      },
    ]);
    if (points.length > 1) {
      const span = `${count(points[0]?.policies ?? 0)} → ${count(points.at(-1)?.policies ?? 0)}`;
      rows.push(
        growthRow(
          this.id,
          'time to choose',
          points.map((p) => p.chooseMs / p.policies),
          span,
        ),
        growthRow(
          this.id,
          'registry requests',
          points.map((p) => p.registryRequests / p.policies),
          span,
        ),
        growthRow(
          this.id,
          'RSS above idle',
          points.map((p) => (p.rss - p.idleRss) / p.policies),
          span,
        ),
      );
    }
    return rows;
  },
};
