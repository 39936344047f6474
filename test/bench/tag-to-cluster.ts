/**
 * Scenario `tag-to-cluster`: a new tag pushed to the registry until the automated commit is in Git
 * and the Deployment runs it, with the controller process on the flux demo (DESIGN §6 target:
 * ≤ 3 s with the registry webhook). Without the webhook the GitSync polls at 1 s intervals; with
 * it (when the checkout has `/hooks/registry`) the intervals are raised to 10 m so only the
 * webhook can trigger the automation. Timed from the push's last manifest PUT returning.
 * Run: npm run bench -- --only tag-to-cluster
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { waitFor } from '../support/processes.ts';
import { type ControllerFixture, controllerFixture, setFluxDemoIntervals } from './controller-fixture.ts';
import type { Row, Scenario, Series } from './harness.ts';

const RUNS = 5;
const WARMUP = 1;
const TARGET_MS = 3_000;

async function flaskImage(fixture: ControllerFixture): Promise<string | undefined> {
  const deployment = await fixture.apps.readNamespacedDeployment({ name: 'fluxdemo', namespace: 'my-demo' });
  return deployment.spec?.template.spec?.containers.find((c) => c.name === 'flask')?.image;
}

/**
 * The message of main's head commit in the bare repository, read from the ref and the loose
 * object directly (spawning git on every poll would add its start-up to the measured time);
 * undefined when either is packed.
 */
function headMessage(repository: string): string | undefined {
  const ref = join(repository, 'refs', 'heads', 'main');
  if (!existsSync(ref)) return undefined;
  const sha = readFileSync(ref, 'utf8').trim();
  const object = join(repository, 'objects', sha.slice(0, 2), sha.slice(2));
  if (!existsSync(object)) return undefined;
  const text = inflateSync(readFileSync(object)).toString('utf8');
  return text.slice(text.indexOf('\n\n') + 2);
}

/** True once main's head commit names `image`. */
async function committed(fixture: ControllerFixture, image: string): Promise<boolean> {
  const message =
    headMessage(join(fixture.git.root, 'flux-demo.git')) ??
    (await fixture.git.gitIn('flux-demo', ['log', '-1', '--format=%B', 'main']));
  return message.includes(image);
}

/** Pushes a newer develop-v* build and times push → commit and push → cluster. */
async function pushAndWait(fixture: ControllerFixture): Promise<{ commit: number; cluster: number }> {
  const build = fixture.nextBuild();
  const tag = `develop-v1.9.${build}`;
  const created = new Date(Date.UTC(2026, 1, 1) + build * 3_600_000);
  await fixture.registry.push.pushImage('flaskapp', tag, { created });
  const pushed = performance.now();
  const want = `${fixture.registry.host}/flaskapp:${tag}`;
  let commit = Number.NaN;
  let cluster = Number.NaN;
  const onTimeout = () => fixture.controller.process.logTail(20);
  await Promise.all([
    waitFor(`the commit of ${tag}`, () => committed(fixture, want), {
      timeoutMs: 60_000,
      intervalMs: 10,
      onTimeout,
    }).then(() => {
      commit = performance.now() - pushed;
    }),
    waitFor(`fluxdemo to run ${tag}`, async () => (await flaskImage(fixture)) === want, {
      timeoutMs: 60_000,
      intervalMs: 10,
      onTimeout,
    }).then(() => {
      cluster = performance.now() - pushed;
    }),
  ]);
  return { commit, cluster };
}

async function measure(fixture: ControllerFixture, runs: number, warmup: number) {
  const cluster: number[] = [];
  const commit: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const times = await pushAndWait(fixture);
    if (i < warmup) continue;
    cluster.push(times.cluster);
    commit.push(times.commit);
  }
  return { cluster, commit };
}

const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');

/** The `tag-to-cluster` scenario. */
export const tagToClusterScenario: Scenario = {
  id: 'tag-to-cluster',
  title: 'tag push → commit → cluster updated, controller process on the flux demo, without and with webhook',
  async run(context) {
    const fixture = await controllerFixture(context.stack);
    const runs = context.runs(RUNS);
    const polled = await measure(fixture, runs, context.warmup(WARMUP));
    const ours: Series = { name: 'controller, 1 s intervals', values: polled.cluster };
    const rows: Row[] = [
      {
        scenario: this.id,
        label: 'tag push → cluster, no webhook (1 s poll)',
        unit: 'ms',
        ours,
        target: { text: `(≤ ${TARGET_MS / 1000} s is for the webhook)` },
        note: `push → commit ${list(polled.commit)} ms; Flux polls registries and Git at intervals of minutes by default`,
      },
    ];
    const webhookLabel = 'tag push → cluster, registry webhook';
    const target = { text: `≤ ${TARGET_MS / 1000} s`, maxValue: TARGET_MS };
    if (!fixture.webhooks) {
      rows.push({
        scenario: this.id,
        label: webhookLabel,
        unit: 'ms',
        ours: { name: 'controller + webhook', values: [] },
        target,
        unavailable: 'webhook: not available',
      });
      return rows;
    }
    await setFluxDemoIntervals(fixture.kube, '10m');
    fixture.relay.enabled = true;
    const forwardedBefore = fixture.relay.forwarded.length;
    try {
      const hooked = await measure(fixture, runs, 0);
      const statuses = fixture.relay.forwarded.slice(forwardedBefore);
      rows.push({
        scenario: this.id,
        label: webhookLabel,
        unit: 'ms',
        ours: { name: 'controller + webhook, 10 m intervals', values: hooked.cluster },
        target,
        note:
          `push → commit ${list(hooked.commit)} ms; ${statuses.length} notifications relayed ` +
          `(controller answered ${[...new Set(statuses)].join('/')})`,
      });
    } finally {
      fixture.relay.enabled = false;
      await setFluxDemoIntervals(fixture.kube, '1s');
    }
    return rows;
  },
};
