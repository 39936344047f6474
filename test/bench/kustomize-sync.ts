/**
 * Scenario `kustomize` (issue 15): a kustomize overlay of 200 objects (a base of 100 ConfigMaps and
 * 100 Deployments; an overlay setting the namespace, a label and an image tag), rendered and applied
 * by tagpilot (`renderKustomizations` with the real kustomize, then the Syncer) against
 * `kustomize build overlays/bench | kubectl apply --server-side -f -`, each into a namespace of its
 * own on the same API server, alternating. Rows: render + first apply, and render + no-op re-sync
 * (the controller reuses a render for the same commit; here both sides build every time).
 * Run: npm run bench -- --only kustomize
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_KUSTOMIZE } from '../../controller/git/index.ts';
import { renderKustomizations } from '../../controller/git/kustomize.ts';
import { Syncer } from '../../controller/sync/index.ts';
import type { KubeStack } from '../support/kube.ts';
import { binary } from '../support/processes.ts';
import { expectEqual, type Row, type Scenario, time } from './harness.ts';

const PER_KIND = 100;
const OBJECTS = PER_KIND * 2;
const RUNS = 5;
const logger = pino({ level: 'silent' });

/** A repository directory: base/ with the 200 objects, overlays/bench into `namespace`. */
function writeOverlay(namespace: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tagpilot-bench-kustomize-${namespace}-`));
  mkdirSync(join(dir, 'base'), { recursive: true });
  mkdirSync(join(dir, 'overlays', 'bench'), { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < PER_KIND; i++) {
    const name = `obj-${String(i).padStart(3, '0')}.yaml`;
    files.push(name);
    writeFileSync(
      join(dir, 'base', name),
      `apiVersion: v1
kind: ConfigMap
metadata: {name: config-${i}}
data: {index: "${i}", mode: production}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-${i}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web-${i}}}
  template:
    metadata: {labels: {app: web-${i}}}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:1.0.0
        resources: {requests: {cpu: 10m, memory: 16Mi}}
`,
    );
  }
  writeFileSync(
    join(dir, 'base', 'kustomization.yaml'),
    `resources:\n${files.map((f) => `- ${f}\n`).join('')}`,
  );
  writeFileSync(
    join(dir, 'overlays', 'bench', 'kustomization.yaml'),
    `namespace: ${namespace}
resources: [../../base]
labels: [{pairs: {env: bench}}]
images: [{name: registry.example.com/app, newTag: 1.1.0}]
`,
  );
  return dir;
}

interface Round {
  first: number;
  noop: number;
}

async function tagpilotRound(kube: KubeStack, namespace: string, syncers: Syncer[]): Promise<Round> {
  const dir = writeOverlay(namespace);
  try {
    await kube.kubectl(['create', 'namespace', namespace]);
    const syncer = new Syncer({
      kubeConfig: kube.kubeConfig,
      logger,
      owner: { apiVersion: 'tagpilot.io/v1alpha1', kind: 'GitSync', namespace: 'bench', name: namespace },
      recordEvents: false,
    });
    syncers.push(syncer);
    const options = { ...DEFAULT_KUSTOMIZE, binary: binary('kustomize') };
    const sync = async () => {
      const paths = ['overlays/bench/kustomization.yaml', 'base/kustomization.yaml'];
      const rendered = await renderKustomizations(dir, paths, ['overlays/bench'], [], options);
      expectEqual('kustomize problems', rendered.problems.map((p) => p.message).join('; '), '');
      return syncer.sync({ files: rendered.files, problems: rendered.problems });
    };
    let created = 0;
    const first = await time(async () => {
      created = (await sync()).counts.created;
    });
    expectEqual('objects created by tagpilot', created, OBJECTS);
    let unchanged = 0;
    const noop = await time(async () => {
      unchanged = (await sync()).counts.unchanged;
    });
    expectEqual('objects unchanged by the re-sync', unchanged, OBJECTS);
    return { first, noop };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `kustomize build overlays/bench | kubectl apply --server-side -f -`, as a shell pipeline. */
function buildAndApply(kube: KubeStack, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `"${binary('kustomize')}" build overlays/bench | kubectl --kubeconfig "${kube.kubeconfigPath}" apply --server-side -f - >/dev/null`,
      ],
      { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
    );
  });
}

async function peerRound(kube: KubeStack, namespace: string): Promise<Round> {
  const dir = writeOverlay(namespace);
  try {
    await kube.kubectl(['create', 'namespace', namespace]);
    const first = await time(() => buildAndApply(kube, dir));
    const noop = await time(() => buildAndApply(kube, dir));
    return { first, noop };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const kustomizeScenario: Scenario = {
  id: 'kustomize',
  title: `render + apply of a ${OBJECTS}-object kustomize overlay: tagpilot vs kustomize build | kubectl apply --server-side`,
  async run(context) {
    const kube = await context.stack.kube();
    const syncers: Syncer[] = [];
    try {
      for (let i = 0; i < context.warmup(1); i++) await tagpilotRound(kube, `ktpw${i}`, syncers);
      const ours: Round[] = [];
      const theirs: Round[] = [];
      for (let i = 0; i < context.runs(RUNS); i++) {
        ours.push(await tagpilotRound(kube, `ktp${i}`, syncers));
        theirs.push(await peerRound(kube, `kkc${i}`));
        context.log(
          `kustomize: round ${i + 1}: tagpilot ${JSON.stringify(ours.at(-1))} peer ${JSON.stringify(theirs.at(-1))}`,
        );
      }
      const peer = 'kustomize build | kubectl apply --server-side';
      const note =
        'both sides run kustomize v5.8.0 on every sync; the controller builds once per commit and reuses the output at re-syncs of it';
      return [
        {
          scenario: this.id,
          label: `kustomize overlay, ${OBJECTS} objects: render + first apply`,
          unit: 'ms',
          ours: { name: 'kustomize + Syncer.sync', values: ours.map((r) => r.first) },
          peer: { name: peer, values: theirs.map((r) => r.first) },
          target: { text: `≤ 1.0× ${peer}`, maxRatio: 1 },
        },
        {
          scenario: this.id,
          label: `kustomize overlay, ${OBJECTS} objects: render + no-op re-sync`,
          unit: 'ms',
          ours: { name: 'kustomize + Syncer.sync', values: ours.map((r) => r.noop) },
          peer: { name: `${peer}, again`, values: theirs.map((r) => r.noop) },
          target: { text: `≤ 1.0× ${peer}`, maxRatio: 1 },
          note,
        },
      ] satisfies Row[];
    } finally {
      for (const syncer of syncers) await syncer.stop();
    }
  },
};
