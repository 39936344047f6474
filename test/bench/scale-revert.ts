/**
 * Scenario `scale-revert`: `kubectl scale` of a Deployment managed by the controller process,
 * until the API server shows the Git replica count again (DESIGN §6 target: p95 ≤ 1 s). Each try
 * scales a different Deployment of the 1,000-object GitSync (a repeat on the same one would meet
 * the fight backoff). Timed from kubectl returning (its write is done by then); the time from
 * starting kubectl is in the note. No peer in process: Flux reverts drift only at its next
 * reconcile, an interval of minutes by default.
 * Run: npm run bench -- --only scale-revert
 */
import { waitFor } from '../support/processes.ts';
import { controllerFixture, MANAGED_PREFIX } from './controller-fixture.ts';
import { percentile, type Row, type Scenario } from './harness.ts';

const TRIES = 50;
const WARMUP = 2;
const DEPLOYMENTS_PER_NAMESPACE = 100;
const NAMESPACES = 4;

/** The `scale-revert` scenario. */
export const scaleRevertScenario: Scenario = {
  id: 'scale-revert',
  title: `kubectl scale reverted by the controller process, p50/p95 over ${TRIES} tries`,
  async run(context) {
    const fixture = await controllerFixture(context.stack);
    const warmup = context.warmup(WARMUP);
    const tries = context.runs(TRIES);
    if (warmup + tries > NAMESPACES * DEPLOYMENTS_PER_NAMESPACE) throw new Error('not enough Deployments');
    const fromReturn: number[] = [];
    const fromStart: number[] = [];
    for (let i = 0; i < warmup + tries; i++) {
      const namespace = `${MANAGED_PREFIX}-${i % NAMESPACES}`;
      const name = `web-${Math.floor(i / NAMESPACES)}`;
      const started = performance.now();
      await fixture.kube.kubectl(['scale', `deployment/${name}`, '--replicas=4', '-n', namespace]);
      const returned = performance.now();
      await waitFor(
        `${namespace}/${name} reverted to 1 replica`,
        async () => (await fixture.apps.readNamespacedDeployment({ name, namespace })).spec?.replicas === 1,
        { timeoutMs: 30_000, intervalMs: 5, onTimeout: () => fixture.controller.process.logTail(20) },
      );
      const done = performance.now();
      if (i < warmup) continue;
      fromReturn.push(done - returned);
      fromStart.push(done - started);
    }
    const ours = { name: 'controller drift watch', values: fromReturn };
    const label = 'kubectl scale reverted';
    const rows: Row[] = [
      {
        scenario: this.id,
        label,
        unit: 'ms',
        statistic: 'p50',
        ours,
        note:
          `from starting kubectl: p50 ${percentile(fromStart, 50).toFixed(0)} ms, p95 ` +
          `${percentile(fromStart, 95).toFixed(0)} ms; Flux reverts at its next reconcile (interval of minutes)`,
      },
      {
        scenario: this.id,
        label,
        unit: 'ms',
        statistic: 'p95',
        ours,
        target: { text: 'p95 ≤ 1 s', maxValue: 1_000 },
      },
    ];
    return rows;
  },
};
