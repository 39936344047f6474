// Hostile tag filters on the real stack (DESIGN §0 promise 4: user patterns have bounds that keep
// the process alive). A repository's Deployment carries `regex:^(a+)+$` and a ten-star glob while
// the registry holds a 128-character tag that makes a backtracking engine run for ages, plus a
// lookaround regex that RE2 cannot run. The controller keeps answering /healthz, refuses the
// lookaround with a reason the user can read, leaves the hostile containers' images alone, and
// still commits the ordinary filter's update beside them. On the code before RE2 the scan never
// finished: no commit came, and /healthz stopped answering.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { eventLines, installScenario } from '../support/scenario.ts';
import { describeProbe, HEALTHZ_MAX_MS, probeHealthz, summarize } from './healthz-probe.ts';

/** 127 `a`s and a `b`: no match for `^(a+)+$`, after 2^127 tries on a backtracking engine. */
const EVIL_TAG = `${'a'.repeat(127)}b`;

describe('hostile: tag patterns that would hang a backtracking engine', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('redos', 'aaaa', { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('redos', EVIL_TAG, { created: '2026-02-01T00:00:00Z' });
    await registry.push.pushImage('app', 'v1', { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('app', 'v2', { created: '2026-02-01T00:00:00Z' });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('the ordinary filter is committed, the hostile ones change nothing, /healthz answers throughout', async () => {
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'hostile-patterns' });
    controller = await startController({ kubeconfig });
    const started = controller;
    let probe: ReturnType<typeof summarize> | undefined;
    const health = probeHealthz(started.port);
    const file = () => git.gitIn('hostile-patterns', ['show', 'main:deployment.yaml']);
    try {
      await waitFor('the app container to be committed at v2', async () => /app:v2\n/.test(await file()), {
        timeoutMs: 90_000,
        onTimeout: () => started.process.logTail(40),
      });
      await waitFor(
        'an AutomationSkipped event for the lookaround regex',
        async () => /lookaround/.test(await eventLines(kube, 'tagpilot-system')),
        { timeoutMs: 30_000, onTimeout: () => started.process.logTail(20) },
      );
      // Three more automation runs (2 s interval), each matching the hostile filters again.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
    } finally {
      probe = summarize(await health.stop());
    }
    const text = await file();
    assert.match(text, /name: redos\n\s+image: \S+\/redos:aaaa\n/, 'redos keeps its tag');
    assert.match(text, /name: stars\n\s+image: \S+\/redos:aaaa\n/, 'stars keeps its tag');
    assert.match(text, /name: lookaround\n\s+image: \S+\/app:v1\n/, 'lookaround keeps its tag');
    assert.doesNotMatch(text, new RegExp(EVIL_TAG));
    // The Events are on the GitSync: one per refused filter, naming the container and why.
    const events = await eventLines(kube, 'tagpilot-system');
    console.log(
      events
        .split('\n')
        .filter((line) => line.startsWith('AutomationSkipped'))
        .join('\n'),
    );
    assert.match(events, /AutomationSkipped: .*container lookaround: .*lookaround.*RE2/);
    assert.ok(probe);
    console.log(`patterns: ${describeProbe(probe)}`);
    assert.ok(probe.count >= 20 && probe.failed.length === 0, '/healthz answered every poll');
    assert.ok(probe.maxMs < HEALTHZ_MAX_MS, `/healthz answered within 2 s (max ${probe.maxMs} ms)`);
  });
});
