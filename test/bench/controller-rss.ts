/**
 * Scenario `rss`: resident memory of the controller process managing 1,000 objects (one GitSync)
 * plus the flux demo, after 200 ImagePolicies (semver, each on its own repository of the
 * controller's registry) have all been scanned (DESIGN §6 target: ≤ 150 MB, and ≤ 0.5× Flux in the `flux` scenario). VmRSS is sampled
 * once a second after the process settles; VmHWM (the peak) is in the note.
 * Run: npm run bench -- --only rss
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  experimentEnv,
  experimentNodeFlags,
  imageEnv,
  imageNodeFlags,
  warmCompileCache,
} from '../support/controller-process.ts';
import { waitFor } from '../support/processes.ts';
import { controllerFixture, processMemory } from './controller-fixture.ts';
import type { Scenario } from './harness.ts';

const POLICIES = 200;
const SAMPLES = 10;
const SETTLE_MS = 10_000;
const TARGET_MB = 150;
const NAMESPACE = 'bench-policies';
const TAGS = ['1.0.0', '1.1.0', '1.2.0'];

const exec = promisify(execFile);

const repository = (i: number): string => `rss/app-${String(i).padStart(3, '0')}`;

function imagePolicies(host: string): string {
  const namespace = `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NAMESPACE}}\n`;
  const policies = Array.from(
    { length: POLICIES },
    (_, i) => `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: app-${i}, namespace: ${NAMESPACE}}
spec:
  image: ${host}/${repository(i)}
  policy: {semver: {range: "^1"}}
`,
  );
  return [namespace, ...policies].join('---\n');
}

/** V8 heap used/total and external memory from the controller's /metrics, in MB. */
async function heapMetrics(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const mb = (name: string) => {
    const value = new RegExp(`^tagpilot_${name} (\\S+)$`, 'm').exec(text)?.[1];
    return value === undefined ? '?' : (Number(value) / 2 ** 20).toFixed(1);
  };
  return (
    `V8 heap used ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} MB, ` +
    `external ${mb('nodejs_external_memory_bytes')} MB`
  );
}

/**
 * RSS in MB of a Node process that only loads the controller's modules and does nothing, started
 * as the image starts the controller: its flags and ENV (compile cache), client-node trimmed.
 */
async function importOnlyRss(): Promise<number> {
  const controller = join(import.meta.dirname, '..', '..', 'controller');
  const loading = pathToFileURL(join(controller, 'kube', 'client-node-loading.ts')).href;
  const main = pathToFileURL(join(controller, 'main.ts')).href;
  const script =
    `(await import(${JSON.stringify(loading)})).loadClientNodeTrimmed(); await import(${JSON.stringify(main)}); ` +
    'console.log(process.memoryUsage().rss);';
  await warmCompileCache();
  const { stdout } = await exec(
    process.execPath,
    [...imageNodeFlags(), ...experimentNodeFlags(), '--input-type=module', '-e', script],
    {
      env: { ...process.env, ...imageEnv(), ...experimentEnv() },
    },
  );
  return Number(stdout.trim()) / 2 ** 20;
}

/** The `rss` scenario. */
export const controllerRssScenario: Scenario = {
  id: 'rss',
  title: `controller RSS with 1,000 managed objects + ${POLICIES} ImagePolicies`,
  async run(context) {
    const fixture = await controllerFixture(context.stack);
    const pid = fixture.controller.process.pid;
    const before = processMemory(pid);
    let next = 0;
    const pushOne = async () => {
      while (next < POLICIES) await fixture.registry.push.pushManyTags(repository(next++), TAGS, 3);
    };
    await Promise.all(Array.from({ length: 8 }, pushOne));
    const start = performance.now();
    await fixture.kube.kubectl(['apply', '-f', '-'], { input: imagePolicies(fixture.registry.host) });
    await waitFor(
      `${POLICIES} ImagePolicies to choose ${TAGS.at(-1)}`,
      async () => {
        const { stdout } = await fixture.kube.kubectl([
          'get',
          'imagepolicies',
          '-n',
          NAMESPACE,
          '-o',
          'jsonpath={range .items[*]}{.status.latestTag}{"\\n"}{end}',
        ]);
        return stdout.split('\n').filter((tag) => tag === TAGS.at(-1)).length === POLICIES;
      },
      { timeoutMs: 300_000, intervalMs: 1000, onTimeout: () => fixture.controller.process.logTail(20) },
    );
    const scanned = performance.now() - start;
    // Settling: the scans are done; give the heap a moment before sampling (no condition to wait on).
    await sleep(SETTLE_MS);
    const values: number[] = [];
    for (let i = 0; i < context.runs(SAMPLES); i++) {
      if (i > 0) await sleep(1000);
      values.push(processMemory(pid).rss);
    }
    const after = processMemory(pid);
    const heap = await heapMetrics(fixture.controller.port);
    const baseline = await importOnlyRss();
    return [
      {
        scenario: this.id,
        label: `controller RSS, 1,000 objects + ${POLICIES} ImagePolicies`,
        unit: 'MB',
        ours: { name: 'tagpilot controller VmRSS', values },
        target: { text: `≤ ${TARGET_MB} MB`, maxValue: TARGET_MB },
        note:
          `before the ImagePolicies ${before.rss.toFixed(1)} MB; all ${POLICIES} scanned ` +
          `${(scanned / 1000).toFixed(1)} s after kubectl apply; peak (VmHWM) ${after.hwm.toFixed(1)} MB; ` +
          `at the end ${after.anon.toFixed(1)} MB anonymous + ${after.file.toFixed(1)} MB file pages (the node binary), ${after.threads} threads; ` +
          `at the end ${heap}; a process that only imports controller/main.ts (as the image starts it) has ${baseline.toFixed(1)} MB`,
      },
    ];
  },
};
