// The local demo (README's first command): a real kube-apiserver + etcd, a distribution
// registry and a Git server on loopback, seeded with the flux demo scenario. It narrates each
// step, then leaves everything running with instructions until Ctrl-C.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitServer } from './support/git-server.ts';
import { startKube } from './support/kube.ts';
import { makeTempDir } from './support/processes.ts';
import { startRegistry } from './support/registry.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'flux-demo');

function step(text: string): void {
  process.stdout.write(`\n==> ${text}\n`);
}

step('Starting kube-apiserver + etcd, a distribution registry and a Git server on 127.0.0.1');
const [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
const stopAll = async () => {
  await Promise.allSettled([kube.stop(), registry.stop(), git.stop()]);
};
process.once('SIGINT', () => {
  process.stdout.write('\nStopping the demo stack...\n');
  void stopAll().then(() => process.exit(0));
});

step(`Pushing ${registry.host}/flaskapp:develop-v1.8.0 to the registry`);
await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });

step('Seeding the Git repository flux-demo (Namespace my-demo, Deployment fluxdemo, ConfigMap)');
await git.createRepo('flux-demo', { fromDir: fixture, replace: { REGISTRY_HOST: registry.host } });

const work = makeTempDir('demo');
const env = join(work, 'demo.env');
writeFileSync(
  env,
  `export KUBECONFIG=${kube.kubeconfigPath}\nexport TAGPILOT_DEMO_GIT=${git.authedRepoUrl('flux-demo')}\n` +
    `export TAGPILOT_DEMO_REGISTRY=${registry.host}\n`,
);
process.stdout.write(`
The stack is up:
  Kubernetes API   ${kube.server}    (kubeconfig: ${kube.kubeconfigPath})
  Registry         ${registry.url}     (anonymous; e.g. curl ${registry.url}/v2/flaskapp/tags/list)
  Git              ${git.repoUrl('flux-demo')}   (user ${git.username}, password ${git.password})

Try:
  source ${env}
  kubectl get namespaces
  git clone "$TAGPILOT_DEMO_GIT" /tmp/flux-demo && git -C /tmp/flux-demo log --oneline

Press Ctrl-C to stop everything.
`);
setInterval(() => {}, 60_000);
