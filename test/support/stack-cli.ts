// `npm run stack`: starts the test stack on loopback — kube-apiserver + etcd with
// kube-controller-manager, kube-scheduler and two kwok nodes, the distribution registry and the
// Git server — prints how to reach each, and keeps them running until Ctrl-C. For trying tagpilot
// by hand: `tagpilot controller --kubeconfig <printed path>` against a cluster whose Pods run.
import { join } from 'node:path';
import { type GitServer, startGitServer } from './git-server.ts';
import { type KubeStack, startKube } from './kube.ts';
import { type RegistryStack, startRegistry } from './registry.ts';

const nodes = Number(process.env.TAGPILOT_STACK_NODES ?? 2);
process.stderr.write(
  `starting kube-apiserver, etcd, controllers and ${nodes} kwok node(s), a registry and a Git server…\n`,
);
let kube: KubeStack | undefined;
let registry: RegistryStack | undefined;
let git: GitServer | undefined;
const stop = async () => {
  await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
[kube, registry, git] = await Promise.all([startKube({ nodes }), startRegistry(), startGitServer()]);
await git.createRepo('flux-demo', {
  fromDir: join(import.meta.dirname, '..', 'fixtures', 'flux-demo'),
  replace: { REGISTRY_HOST: registry.host },
});
process.stdout.write(`
cluster    export KUBECONFIG=${kube.kubeconfigPath}    (${kube.server}; nodes: ${kube.nodes.join(', ') || 'none'})
registry   ${registry.host}    (anonymous; push with: crane push / skopeo copy --dest-tls-verify=false)
git        ${git.repoUrl('flux-demo')}    (user ${git.username}, password ${git.password}; seeded from test/fixtures/flux-demo)

Ctrl-C stops everything and removes its data.
`);
await new Promise(() => undefined);
