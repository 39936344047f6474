// The flux-get-started layout (Flux v1's `--git-path=namespaces,workloads`) as one GitSync with
// `spec.paths`: both directories are applied as one render and one inventory, a directory outside
// them is not, and the annotated Deployment in workloads/ is automated. A path that disappears
// from the repository is refused (PathMissing) and prunes nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cloneAsUser } from '../safety/user-clone.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, gitSyncCondition, installScenario } from '../support/scenario.ts';

const NAME = 'flux-get-started';
const root = join(import.meta.dirname, '..', '..');

describe('several paths of one GitSync (flux-get-started)', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const exists = async (kind: string, name: string, namespace = 'demo') =>
    (await kube.kubectl(['get', kind, name, '-n', namespace, '-o', 'name'], { allowFailure: true })).code ===
    0;

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('podinfo', ['3.1.0', '3.1.5', '3.2.0']);
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: NAME, spec: '  paths: [namespaces, workloads]\n' },
    );
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('applies namespaces/ and workloads/ and automates the annotated Deployment', async () => {
    await waitFor(
      'semver:~3.1 to reach Git and the cluster',
      async () => (await deploymentImage(kube, 'demo', 'podinfo', 'podinfod')).endsWith('/podinfo:3.1.5'),
      { timeoutMs: 90_000, onTimeout: logTail },
    );
    const manifest = await git.gitIn(NAME, ['show', 'main:workloads/podinfo-dep.yaml']);
    assert.match(manifest, /image: \S+\/podinfo:3\.1\.5\n/);
    const diff = await git.gitIn(NAME, ['show', '--format=', '--unified=0', 'main']);
    const changed = diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l));
    assert.deepEqual(
      changed.map((l) => l.replace(/\S+\/podinfo/, 'podinfo')),
      ['-        image: podinfo:3.1.0', '+        image: podinfo:3.1.5'],
      diff,
    );
    assert.ok(await exists('service', 'podinfo'), 'workloads/podinfo-svc.yaml applied');
    assert.equal(await exists('configmap', 'not-synced'), false, 'docs/ is not one of the paths');
    await waitFor(
      'GitSync Ready',
      async () => (await gitSyncCondition(kube, NAME, 'Ready'))?.status === 'True',
      {
        timeoutMs: 30_000,
      },
    );
  });

  it('refuses a missing path without pruning what the others applied', async () => {
    const user = await cloneAsUser(git, NAME);
    try {
      await user.commit({ 'namespaces/demo.yaml': null }, 'remove namespaces/');
    } finally {
      user.remove();
    }
    await waitFor(
      'Synced=False PathMissing',
      async () => (await gitSyncCondition(kube, NAME, 'Synced'))?.reason === 'PathMissing',
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    assert.ok(await exists('deployment', 'podinfo'), 'nothing pruned');
    assert.equal(
      (await kube.kubectl(['get', 'namespace', 'demo', '-o', 'jsonpath={.status.phase}'])).stdout,
      'Active',
    );
  });

  it('refuses path and paths together at admission', async () => {
    const both = `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: both, namespace: tagpilot-system}
spec: {url: ${git.repoUrl(NAME)}, path: workloads, paths: [namespaces, workloads]}
`;
    const result = await kube.kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: both,
      allowFailure: true,
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /set either path or paths, not both/);
  });

  it('dependsOn holds a GitSync until its dependency is Ready, then syncs it at once', async () => {
    // The same layout as two GitSyncs, in namespace `deps`: workloads depends on namespaces.
    await git.createRepo('deps', {
      fromDir: join(root, 'test', 'fixtures', NAME),
      replace: {
        REGISTRY_HOST: registry.host,
        'name: demo': 'name: deps',
        'namespace: demo': 'namespace: deps',
      },
    });
    const gitsync = (name: string, path: string, extra: string) => `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: ${name}, namespace: tagpilot-system}
spec:
  url: ${git.repoUrl('deps')}
  secretRef: {name: ${NAME}-git-auth}
  path: ${path}
  interval: 2s
  automation: {enabled: false}
${extra}`;
    await kube.kubectl(['apply', '-f', '-'], {
      input: `${gitsync('deps-workloads', 'workloads', '  dependsOn: [{name: deps-namespaces}]\n')}---\n${gitsync('deps-namespaces', 'namespaces', '  suspend: true\n')}`,
    });
    await waitFor(
      'deps-workloads held',
      async () =>
        /waiting for tagpilot-system\/deps-namespaces is not ready: Suspended/.test(
          (await gitSyncCondition(kube, 'deps-workloads', 'Ready'))?.message ?? '',
        ),
      { timeoutMs: 30_000, onTimeout: logTail },
    );
    assert.equal(await exists('deployment', 'podinfo', 'deps'), false, 'nothing applied while held');
    const released = Date.now();
    await kube.kubectl([
      'patch',
      'gitsync',
      'deps-namespaces',
      '-n',
      'tagpilot-system',
      '--type=merge',
      '-p',
      '{"spec":{"suspend":false}}',
    ]);
    await waitFor('the Deployment in namespace deps', () => exists('deployment', 'podinfo', 'deps'), {
      timeoutMs: 20_000,
      onTimeout: logTail,
    });
    // Woken by the dependency's Ready, not by the 30 s retry.
    assert.ok(Date.now() - released < 20_000);
    await waitFor(
      'deps-workloads Ready',
      async () => (await gitSyncCondition(kube, 'deps-workloads', 'Ready'))?.status === 'True',
      { timeoutMs: 30_000 },
    );
  });
});
