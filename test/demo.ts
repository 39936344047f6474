// The local demo (README's first command), narrated step by step with every component real:
// kube-apiserver + etcd with kube-controller-manager, kube-scheduler and two kwok nodes (Pods are
// scheduled and run), a distribution registry, a Git server, and the tagpilot controller as
// its own process, installed with `kubectl apply -k deploy/` plus the single-tenant opt-in
// (`deploy/single-tenant/`) and running as its ServiceAccount.
// It plays the flux demo scenario, then leaves everything running until Ctrl-C.
// TAGPILOT_DEMO_EXIT=1 ends after the scenario instead (used to check the demo itself).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startController } from './support/controller-process.ts';
import { startGitServer } from './support/git-server.ts';
import { startKube } from './support/kube.ts';
import { makeTempDir, run, waitFor } from './support/processes.ts';
import { startRegistry } from './support/registry.ts';
import { deploymentImage, installScenario, podsOf, scaleAndAwaitRevert } from './support/scenario.ts';

const out = (text: string) => process.stdout.write(text);
const step = (text: string) => out(`\n==> ${text}\n`);
const indent = (text: string) => `${text.trimEnd().replace(/^/gm, '    ')}\n`;

step(
  'Starting kube-apiserver + etcd, kube-controller-manager, kube-scheduler, two kwok nodes, a distribution registry and a Git server on 127.0.0.1',
);
const [kube, registry, git] = await Promise.all([startKube({ nodes: 2 }), startRegistry(), startGitServer()]);
const pods = async () =>
  (await kube.kubectl(['get', 'pods', '-n', 'my-demo', '-l', 'app=fluxdemo', '-o', 'wide'])).stdout;
let stopController = async () => {};
const stopAll = async () => {
  await stopController();
  await Promise.allSettled([kube.stop(), registry.stop(), git.stop()]);
};
process.once('SIGINT', () => {
  out('\nStopping the demo...\n');
  void stopAll().then(() => process.exit(0));
});

step(`Pushing ${registry.host}/flaskapp:develop-v1.8.0`);
await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });

step(
  'Seeding Git repository flux-demo, installing tagpilot (kubectl apply -k deploy/ and deploy/single-tenant/) and a GitSync',
);
const { kubeconfig } = await installScenario(
  { kube, registry, git },
  { fixture: 'flux-demo', interval: '5s' },
);
out(indent((await kube.kubectl(['get', 'gitsyncs', '-A'])).stdout));

step('Starting the controller: tagpilot controller (as ServiceAccount tagpilot-system/tagpilot)');
const controller = await startController({ kubeconfig, name: 'demo-controller' });
stopController = () => controller.stop();
out(`    log: ${controller.process.logFile}\n    metrics: http://127.0.0.1:${controller.port}/metrics\n`);

const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
await waitFor('the first sync', async () => (await flaskImage()).endsWith('develop-v1.8.0'), {
  timeoutMs: 60_000,
});
step('Synced: the cluster runs the repository');
await kube.kubectl(['rollout', 'status', 'deployment/fluxdemo', '-n', 'my-demo', '--timeout=60s']);
out(indent((await kube.kubectl(['get', 'deployment', 'fluxdemo', '-n', 'my-demo', '-o', 'wide'])).stdout));
out(indent(await pods()));

step(`CI pushes ${registry.host}/flaskapp:develop-v1.9.0`);
const pushed = Date.now();
await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
const subject = `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`;
await waitFor(
  'the automated commit',
  async () => (await git.gitIn('flux-demo', ['log', '-1', '--format=%s'])).trim() === subject,
  {
    timeoutMs: 60_000,
  },
);
const committed = Date.now() - pushed;
out(`    committed after ${committed} ms (scan interval 5s, no webhook):\n`);
out(indent(await git.gitIn('flux-demo', ['show', '--stat', '--patch', '--unified=1', 'main'])));
await waitFor('the Deployment update', async () => (await flaskImage()).endsWith('develop-v1.9.0'), {
  timeoutMs: 30_000,
});
out(`    the Deployment runs develop-v1.9.0, ${Date.now() - pushed} ms after the push\n`);
out(
  indent(
    (await kube.kubectl(['rollout', 'status', 'deployment/fluxdemo', '-n', 'my-demo', '--timeout=60s']))
      .stdout,
  ),
);
await waitFor(
  'every Pod on develop-v1.9.0',
  async () => {
    const live = (await podsOf(kube, 'my-demo', 'app=fluxdemo')).filter((pod) => !pod.terminating);
    return (
      live.length === 1 && live.every((pod) => pod.ready && pod.images.flask?.endsWith('develop-v1.9.0'))
    );
  },
  { timeoutMs: 60_000 },
);
out(`    every Pod runs develop-v1.9.0, ${Date.now() - pushed} ms after the push:\n`);
out(indent(await pods()));
await waitFor(
  'Healthy=True',
  async () =>
    (
      await kube.kubectl([
        'get',
        'gitsync',
        'flux-demo',
        '-n',
        'tagpilot-system',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Healthy")].status}',
      ])
    ).stdout === 'True',
  { timeoutMs: 30_000 },
);
step('tagpilot status tagpilot-system/flux-demo');
const tagpilot = join(import.meta.dirname, '..', 'controller', 'cli', 'main.ts');
const status = await run(
  process.execPath,
  [tagpilot, 'status', 'tagpilot-system/flux-demo', `--kubeconfig=${kube.kubeconfigPath}`],
  {
    allowFailure: true,
  },
);
out(indent(status.stdout));

step('Someone runs: kubectl scale deployment/fluxdemo --replicas=4 -n my-demo');
const revertMs = await scaleAndAwaitRevert(kube, {
  namespace: 'my-demo',
  name: 'fluxdemo',
  replicas: 4,
  expected: 1,
});
out(`    back to 1 replica ${revertMs} ms later; the extra Pods go again:\n`);
await waitFor(
  'one Pod again',
  async () => (await podsOf(kube, 'my-demo', 'app=fluxdemo')).filter((pod) => !pod.terminating).length === 1,
  { timeoutMs: 30_000 },
);
out(indent(await pods()));
out('    Events:\n');
await waitFor(
  'the drift event',
  async () => (await kube.kubectl(['get', 'events', '-n', 'my-demo'])).stdout.includes('DriftReverted'),
  {
    timeoutMs: 10_000,
  },
);
out(
  indent(
    (await kube.kubectl(['get', 'events', '-n', 'my-demo', '--field-selector', 'reason=DriftReverted']))
      .stdout,
  ),
);

const rss = readFileSync(`/proc/${controller.process.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)?.[1];
if (rss) out(`\n    controller RSS now: ${Math.round(Number(rss) / 1024)} MB\n`);

if (process.env.TAGPILOT_DEMO_EXIT) {
  await stopAll();
  out('\nDemo finished.\n');
  process.exit(0);
}

const env = join(makeTempDir('demo'), 'demo.env');
writeFileSync(
  env,
  `export KUBECONFIG=${kube.kubeconfigPath}\nexport DEMO_GIT=${git.authedRepoUrl('flux-demo')}\nexport DEMO_REGISTRY=${registry.host}\n`,
);
out(`
Everything keeps running. Try it yourself:
  source ${env}
  kubectl get gitsyncs -A; kubectl describe gitsync flux-demo -n tagpilot-system
  kubectl scale deployment/fluxdemo --replicas=3 -n my-demo; kubectl get pods -n my-demo -w
  kubectl rollout undo deployment/fluxdemo -n my-demo   # reverted too: the template is in Git
  git clone "$DEMO_GIT" /tmp/flux-demo && git -C /tmp/flux-demo log --oneline
  curl -s http://$DEMO_REGISTRY/v2/flaskapp/tags/list

  Kubernetes API   ${kube.server}
  Registry         ${registry.url} (anonymous)
  Git              ${git.repoUrl('flux-demo')} (user ${git.username}, password ${git.password})
  Controller log   ${controller.process.logFile}

Press Ctrl-C to stop everything.
`);
setInterval(() => {}, 60_000);
