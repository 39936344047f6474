/**
 * Scenario `apply`: the sync loop against the real kube-apiserver + etcd (DESIGN §6 targets):
 * - first apply of 1,000 objects (ConfigMaps + Deployments in 4 namespaces): tagpilot's Syncer vs
 *   `kubectl apply --server-side -R -f <dir>`, each into fresh namespaces on the same API server,
 *   alternating (target: ≤ 0.5× kubectl);
 * - a no-op re-sync of the same 1,000 objects vs the same kubectl command a second time: time
 *   (target ≤ 2 s) and writes, counted as resourceVersion changes over every object (target 0).
 * Run: npm run bench -- --only apply
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import pino from 'pino';
import { loadManifestFiles, Syncer } from '../../controller/sync/index.ts';
import type { KubeStack } from '../support/kube.ts';
import { expectEqual, type Row, type Scenario, summarize, time } from './harness.ts';
import { serverCpu } from './server-cpu.ts';

const NAMESPACES = 4;
const CONFIGMAPS_PER_NAMESPACE = 150;
const DEPLOYMENTS_PER_NAMESPACE = 100;
const OBJECTS = NAMESPACES * (CONFIGMAPS_PER_NAMESPACE + DEPLOYMENTS_PER_NAMESPACE);
const RUNS = 3;
const WARMUP = 1;
/** Total objects in the 4 namespaces of one bench repository. */
export const BENCH_OBJECTS = OBJECTS;

function configMap(namespace: string, i: number): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-${i}
  namespace: ${namespace}
  labels: {app: bench, index: "${i}"}
data:
  app.properties: |
    name=config-${i}
    replicas=${i % 5}
  mode: production
  level: "${i % 3}"
`;
}

function deployment(namespace: string, i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i}
  namespace: ${namespace}
  labels: {app: web-${i}, tier: bench}
  annotations: {tagpilot.io/automated: "true", tagpilot.io/tag.app: "semver:^1"}
spec:
  replicas: 1
  selector: {matchLabels: {app: web-${i}}}
  template:
    metadata: {labels: {app: web-${i}}}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:1.${i}.0
        ports: [{containerPort: 8080}]
        env:
        - {name: INDEX, value: "${i}"}
        - {name: MODE, value: production}
        resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 64Mi}}
      - name: sidecar
        image: registry.example.com/proxy:2.0.${i % 7}
        args: [--port=9090, --upstream=127.0.0.1:8080]
`;
}

/**
 * Writes the objects for namespaces `<prefix>-0..<namespaces - 1>` (250 each; default 4, i.e. 1,000
 * objects) into `<dir>/apps` (a fresh temp directory unless given), 100 per file; returns the
 * directory.
 */
export function writeManifests(
  prefix: string,
  dir = mkdtempSync(join(tmpdir(), `tagpilot-bench-${prefix}-`)),
  namespaces = NAMESPACES,
): string {
  const documents: string[] = [];
  for (let n = 0; n < namespaces; n++) {
    const namespace = `${prefix}-${n}`;
    for (let i = 0; i < CONFIGMAPS_PER_NAMESPACE; i++) documents.push(configMap(namespace, i));
    for (let i = 0; i < DEPLOYMENTS_PER_NAMESPACE; i++) documents.push(deployment(namespace, i));
  }
  mkdirSync(join(dir, 'apps'), { recursive: true });
  for (let file = 0; file * 100 < documents.length; file++) {
    const name = `part-${String(file).padStart(2, '0')}.yaml`;
    writeFileSync(join(dir, 'apps', name), documents.slice(file * 100, file * 100 + 100).join('---\n'));
  }
  return dir;
}

/** Creates namespaces `<prefix>-0..<namespaces - 1>` (default 4). */
export async function createNamespaces(
  kube: KubeStack,
  prefix: string,
  namespaces = NAMESPACES,
): Promise<void> {
  const input = Array.from(
    { length: namespaces },
    (_, n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${prefix}-${n}}\n`,
  );
  await kube.kubectl(['create', '-f', '-'], { input: input.join('---\n') });
}

/** Namespaces `<prefix>-0..3`. */
export function benchNamespaces(prefix: string): string[] {
  return Array.from({ length: NAMESPACES }, (_, n) => `${prefix}-${n}`);
}

/** resourceVersion of every bench object in the namespaces, by kind/namespace/name. */
async function resourceVersions(kube: KubeStack, prefix: string): Promise<Map<string, string>> {
  const core = kube.kubeConfig.makeApiClient(CoreV1Api);
  const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
  const versions = new Map<string, string>();
  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = `${prefix}-${n}`;
    for (const cm of (await core.listNamespacedConfigMap({ namespace })).items) {
      versions.set(`cm/${namespace}/${cm.metadata?.name}`, cm.metadata?.resourceVersion ?? '');
    }
    for (const d of (await apps.listNamespacedDeployment({ namespace })).items) {
      versions.set(`deploy/${namespace}/${d.metadata?.name}`, d.metadata?.resourceVersion ?? '');
    }
  }
  return versions;
}

function changed(before: Map<string, string>, after: Map<string, string>): number {
  let count = 0;
  for (const [key, version] of after) if (before.get(key) !== version) count++;
  return count + [...before.keys()].filter((k) => !after.has(k)).length;
}

const logger = pino({ level: process.env.TAGPILOT_BENCH_LOG ?? 'silent' });

function ownerFor(prefix: string) {
  return { apiVersion: 'tagpilot.io/v1alpha1', kind: 'GitSync', namespace: 'bench', name: prefix };
}

/** One tool's first apply into fresh namespaces, then the no-op repeat, with writes counted. */
interface ToolRound {
  first: number;
  noop: number;
  /** resourceVersion changes made by the repeat. */
  writes: number;
  /** Writes the tool itself reported (the Syncer only). */
  reportedWrites?: number;
}

async function tagpilotRound(kube: KubeStack, prefix: string, syncers: Syncer[]): Promise<ToolRound> {
  const dir = writeManifests(prefix);
  try {
    await createNamespaces(kube, prefix);
    const syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger,
      owner: ownerFor(prefix),
      recordEvents: false,
    });
    syncers.push(syncer);
    const sync = () => syncer.sync({ files: loadManifestFiles(dir, 'apps') });
    let created = 0;
    const first = await time(async () => {
      created = (await sync()).counts.created;
    });
    expectEqual('objects created by tagpilot', created, OBJECTS);
    const before = await resourceVersions(kube, prefix);
    let result: Awaited<ReturnType<typeof sync>> | undefined;
    const noop = await time(async () => {
      result = await sync();
    });
    expectEqual('objects unchanged by the tagpilot re-sync', result?.counts.unchanged, OBJECTS);
    const writes = changed(before, await resourceVersions(kube, prefix));
    return { first, noop, writes, reportedWrites: result?.writes ?? Number.NaN };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function kubectlRound(kube: KubeStack, prefix: string): Promise<ToolRound> {
  const dir = writeManifests(prefix);
  try {
    await createNamespaces(kube, prefix);
    const apply = async () => {
      const { stdout } = await kube.kubectl(['apply', '--server-side', '-R', '-f', join(dir, 'apps')]);
      expectEqual('objects applied by kubectl', stdout.trim().split('\n').length, OBJECTS);
    };
    const first = await time(apply);
    const before = await resourceVersions(kube, prefix);
    const noop = await time(apply);
    return { first, noop, writes: changed(before, await resourceVersions(kube, prefix)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A no-op sync of `<prefix>-*` by a new Syncer (as after a restart): time and writes. */
/** A cold re-sync: wall time, writes, and the CPU milliseconds each side spent on it. */
interface ColdResync {
  ms: number;
  writes: number;
  /** PATCH requests the new Syncer sent, dry runs included. */
  patches: number;
  apiserver: number;
  etcd: number;
  client: number;
}

async function coldResync(kube: KubeStack, prefix: string, syncers: Syncer[]): Promise<ColdResync> {
  const dir = writeManifests(prefix);
  try {
    const syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger,
      owner: ownerFor(prefix),
      recordEvents: false,
    });
    syncers.push(syncer);
    const before = await resourceVersions(kube, prefix);
    let unchanged = 0;
    const servers = serverCpu(kube);
    const client = process.cpuUsage();
    const ms = await time(async () => {
      unchanged = (await syncer.sync({ files: loadManifestFiles(dir, 'apps') })).counts.unchanged;
    });
    const clientUsed = process.cpuUsage(client);
    const { apiserver, etcd } = servers();
    expectEqual('objects unchanged by a cold re-sync', unchanged, OBJECTS);
    const writes = changed(before, await resourceVersions(kube, prefix));
    const patches = syncer.client.counts.PATCH;
    return { ms, writes, patches, apiserver, etcd, client: (clientUsed.user + clientUsed.system) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuMedian(runs: ColdResync[], pick: (run: ColdResync) => number): string {
  return summarize(runs.map(pick)).median.toFixed(0);
}

/** A round of each tool, tagpilot into `tp<id>-*`, kubectl into `kc<id>-*`. */
interface Round {
  tagpilot: ToolRound;
  kubectl: ToolRound;
}

async function round(kube: KubeStack, id: string, syncers: Syncer[]): Promise<Round> {
  return {
    tagpilot: await tagpilotRound(kube, `tp${id}`, syncers),
    kubectl: await kubectlRound(kube, `kc${id}`),
  };
}

/** The `apply` scenario: first apply and no-op re-sync of 1,000 objects. */
export const applyScenario: Scenario = {
  id: 'apply',
  title: `first apply and no-op re-sync of ${OBJECTS.toLocaleString('en')} objects: Syncer vs kubectl apply --server-side`,
  async run(context) {
    const kube = await context.stack.kube();
    const syncers: Syncer[] = [];
    try {
      // Warm-up: the JIT and the API server's first-request costs. kubectl is a new process each
      // time; namespace creation with kubectl already fills its discovery cache on disk.
      for (let i = 0; i < context.warmup(WARMUP); i++) await tagpilotRound(kube, `tpw${i}`, syncers);
      const ours: ToolRound[] = [];
      const theirs: ToolRound[] = [];
      for (let i = 0; i < context.runs(RUNS); i++) {
        const { tagpilot, kubectl } = await round(kube, String(i), syncers);
        ours.push(tagpilot);
        theirs.push(kubectl);
        context.log(
          `apply: round ${i + 1}: tagpilot ${JSON.stringify(ours.at(-1))} kubectl ${JSON.stringify(theirs.at(-1))}`,
        );
      }
      // After a controller restart the Syncer knows nothing: every object is dry-run to prove it unchanged.
      const cold: ColdResync[] = [];
      for (let i = 0; i < ours.length; i++) cold.push(await coldResync(kube, `tp${i}`, syncers));
      const series = (name: string, rounds: ToolRound[], pick: (r: ToolRound) => number) => ({
        name,
        values: rounds.map(pick),
      });
      const kubectl = 'kubectl apply --server-side';
      const objects = OBJECTS.toLocaleString('en');
      const rows: Row[] = [
        {
          scenario: this.id,
          label: `first apply, ${objects} objects`,
          unit: 'ms',
          ours: series('Syncer.sync', ours, (r) => r.first),
          peer: series(kubectl, theirs, (r) => r.first),
          target: { text: '≤ 0.5× kubectl', maxRatio: 0.5 },
        },
        {
          scenario: this.id,
          label: `no-op re-sync, ${objects} objects: time`,
          unit: 'ms',
          ours: series('Syncer.sync', ours, (r) => r.noop),
          peer: series(`${kubectl}, again`, theirs, (r) => r.noop),
          target: { text: '≤ 2 s', maxValue: 2_000 },
        },
        {
          scenario: this.id,
          label: `no-op re-sync, ${objects} objects: writes`,
          unit: 'writes',
          ours: series('Syncer.sync', ours, (r) => r.writes),
          peer: series(`${kubectl}, again`, theirs, (r) => r.writes),
          target: { text: '0 writes', maxValue: 0 },
          note:
            'writes = resourceVersion changes over every object; the Syncer itself reported ' +
            `${ours.map((r) => r.reportedWrites).join(', ')} writes`,
        },
        {
          scenario: this.id,
          label: 'no-op re-sync, verification cache cold: time',
          unit: 'ms',
          ours: { name: 'Syncer.sync, cold', values: cold.map((c) => c.ms) },
          peer: series(`${kubectl}, again`, theirs, (r) => r.noop),
          target: { text: '≤ 2 s', maxValue: 2_000 },
          note:
            'a new Syncer (after a restart; likewise any re-sync > 30 min after the last, the verification cache TTL) ' +
            'proves objects unchanged from the listed live state, dry-running only what it cannot prove; ' +
            `writes ${cold.map((c) => c.writes).join(', ')}; PATCH requests (dry runs included) ` +
            `${cold.map((c) => c.patches).join(', ')}; CPU during it (median): ` +
            `kube-apiserver ${cpuMedian(cold, (c) => c.apiserver)} ms, etcd ${cpuMedian(cold, (c) => c.etcd)} ms, ` +
            `tagpilot ${cpuMedian(cold, (c) => c.client)} ms`,
        },
      ];
      return rows;
    } finally {
      for (const syncer of syncers) await syncer.stop();
    }
  },
};

/**
 * Standalone extras (`node_modules/.bin/node test/bench/sync.ts`): the apply rounds as above,
 * plus the no-op re-sync after a restart (a fresh Syncer, so every object is dry-run) and the
 * `kubectl scale` revert latency over 20 tries, each on a different Deployment (a repeat on the
 * same one would wait out its backoff), from kubectl returning to the API server reporting the
 * Git replica count again (target p95 ≤ 1 s).
 */
const SCALE_TRIES = 20;

function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/** Scales 20 Deployments of a synced bench repository and times each revert. */
export async function measureScaleReverts(
  kube: KubeStack,
  syncer: Syncer,
  prefix: string,
): Promise<{ observed: number[]; internal: number[] }> {
  const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
  const internal: number[] = [];
  syncer.on('drift', (report) => internal.push(report.revertedAt - report.detectedAt));
  await syncer.startDriftWatch();
  const observed: number[] = [];
  for (let i = 0; i < SCALE_TRIES; i++) {
    const namespace = `${prefix}-${i % NAMESPACES}`;
    const name = `web-${i}`;
    await kube.kubectl(['scale', `deployment/${name}`, '--replicas=4', '-n', namespace]);
    const scaledAt = performance.now();
    while ((await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas !== 1) {
      if (performance.now() - scaledAt > 10_000) throw new Error(`${namespace}/${name} not reverted`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    observed.push(performance.now() - scaledAt);
  }
  return { observed, internal };
}

async function standalone(): Promise<void> {
  const { startKube } = await import('../support/kube.ts');
  const kube = await startKube();
  const syncers: Syncer[] = [];
  const runs = Number(process.env.TAGPILOT_BENCH_RUNS ?? RUNS);
  try {
    await round(kube, 'w', syncers);
    const rounds: Round[] = [];
    for (let i = 0; i < runs; i++) rounds.push(await round(kube, String(i), syncers));
    // The last round's repository, still applied: a restarted controller re-syncs it cold.
    const prefix = `tp${runs - 1}`;
    const dir = writeManifests(`${prefix}`);
    const fresh = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger,
      owner: ownerFor(prefix),
      recordEvents: false,
    });
    syncers.push(fresh);
    const before = await resourceVersions(kube, prefix);
    let unchanged = 0;
    const cold = await time(async () => {
      unchanged = (await fresh.sync({ files: loadManifestFiles(dir, 'apps') })).counts.unchanged;
    });
    rmSync(dir, { recursive: true, force: true });
    expectEqual('objects unchanged by a cold re-sync', unchanged, OBJECTS);
    const coldWrites = changed(before, await resourceVersions(kube, prefix));
    const coldPatches = fresh.client.counts.PATCH;
    const reverts = await measureScaleReverts(kube, fresh, prefix);
    const rss = process.memoryUsage().rss / 2 ** 20;
    const med = (values: number[]) => percentileOf(values, 50);
    const pick = (f: (r: Round) => number) => rounds.map(f);
    const runsOf = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
    const line = (label: string, value: string, detail: string) =>
      console.log(`${label.padEnd(50)} ${value.padStart(9)}  ${detail}`);
    const { loadavg } = await import('node:os');
    console.log(
      `sync benchmark: ${OBJECTS} objects, ${runs} rounds after 1 warm-up, load ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}`,
    );
    const tp = pick((r) => r.tagpilot.first);
    const kc = pick((r) => r.kubectl.first);
    line('first apply, Syncer (ms, median)', med(tp).toFixed(0), `runs ${runsOf(tp)}`);
    line('first apply, kubectl --server-side (ms, median)', med(kc).toFixed(0), `runs ${runsOf(kc)}`);
    line('ratio Syncer / kubectl', (med(tp) / med(kc)).toFixed(2), 'target ≤ 0.5');
    const noop = pick((r) => r.tagpilot.noop);
    line(
      'no-op re-sync, running Syncer (ms, median)',
      med(noop).toFixed(0),
      `runs ${runsOf(noop)}; target ≤ 2000`,
    );
    line(
      'no-op re-sync writes (resourceVersion changes)',
      String(Math.max(...pick((r) => r.tagpilot.writes))),
      'target 0',
    );
    line(
      'no-op kubectl apply --server-side again (ms)',
      med(pick((r) => r.kubectl.noop)).toFixed(0),
      `writes ${runsOf(pick((r) => r.kubectl.writes))}`,
    );
    line(
      'no-op re-sync after a restart, proven from live (ms)',
      cold.toFixed(0),
      `writes ${coldWrites}, PATCH ${coldPatches}`,
    );
    line(
      'kubectl scale revert p50 (ms)',
      percentileOf(reverts.observed, 50).toFixed(0),
      `${SCALE_TRIES} tries`,
    );
    line(
      'kubectl scale revert p95 (ms)',
      percentileOf(reverts.observed, 95).toFixed(0),
      `target ≤ 1000; max ${percentileOf(reverts.observed, 100).toFixed(0)}`,
    );
    line(
      'watch event -> revert written p50/p95 (ms)',
      percentileOf(reverts.internal, 50).toFixed(0),
      `p95 ${percentileOf(reverts.internal, 95).toFixed(0)}`,
    );
    line(
      'bench process RSS, 1,000 objects watched (MB)',
      rss.toFixed(0),
      'API server and kubectl not included',
    );
  } finally {
    for (const syncer of syncers) await syncer.stop();
    await kube.stop();
  }
}

if (import.meta.main) await standalone();
