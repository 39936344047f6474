// A kustomize overlay repository end to end (base/ with a Deployment, overlays/prod setting the
// namespace, replicas and a label, an `images:` entry with a `$imagepolicy` marker): the cluster
// gets the overlay's result built by the real kustomize, an image update edits the `images:` entry
// in one commit, `kubectl scale` is reverted to the overlay's replicas, and a broken overlay is
// reported with kustomize's message and prunes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloneAsUser } from '../safety/user-clone.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import {
  deploymentImage,
  gitSyncCondition,
  installScenario,
  scaleAndAwaitRevert,
} from '../support/scenario.ts';

const NAME = 'kustomize-overlay';

describe('kustomize overlay end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const deployment = async () => {
    const { stdout, code } = await kube.kubectl(['get', 'deployment', 'web', '-n', 'kprod', '-o', 'json'], {
      allowFailure: true,
    });
    return code === 0
      ? (JSON.parse(stdout) as { metadata: { labels?: Record<string, string> }; spec: { replicas: number } })
      : undefined;
  };

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('webapp', ['0.9.0', '1.0.0', '1.1.0']);
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: NAME, spec: '  path: overlays/prod\n' },
    );
    await kube.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: webapp, namespace: tagpilot-system}
spec:
  image: ${registry.host}/webapp
  interval: 2s
  policy: {semver: {range: ">=1.0.0"}}
`,
    });
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it("applies the overlay's result and updates the images: entry in one commit", async () => {
    await waitFor(
      'the overlay updated to webapp:1.1.0 in the cluster',
      async () => (await deploymentImage(kube, 'kprod', 'web', 'web')) === `${registry.host}/webapp:1.1.0`,
      { timeoutMs: 90_000, onTimeout: logTail },
    );
    const live = await deployment();
    assert.equal(live?.spec.replicas, 2, "the overlay's replicas");
    assert.equal(live?.metadata.labels?.env, 'prod', "the overlay's label");
    const diff = await git.gitIn(NAME, ['show', '--format=', '--unified=0', 'main']);
    const changed = diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l));
    assert.deepEqual(
      changed,
      [
        '-    newTag: 1.0.0 # {"$imagepolicy": "tagpilot-system:webapp:tag"}',
        '+    newTag: 1.1.0 # {"$imagepolicy": "tagpilot-system:webapp:tag"}',
      ],
      diff,
    );
    assert.match(diff, /overlays\/prod\/kustomization\.yaml/);
    assert.match(
      await git.gitIn(NAME, ['show', 'main:base/deployment.yaml']),
      /webapp:0\.9\.0/,
      'base untouched',
    );
  });

  it("reverts kubectl scale to the overlay's replicas", async () => {
    await scaleAndAwaitRevert(kube, { namespace: 'kprod', name: 'web', replicas: 5, expected: 2 });
  });

  it("reports a broken overlay with kustomize's message and prunes nothing", async () => {
    const user = await cloneAsUser(git, NAME);
    try {
      const broken = (await git.gitIn(NAME, ['show', 'main:overlays/prod/kustomization.yaml'])).replace(
        'replicas:',
        'patches:\n  - path: missing-patch.yaml\nreplicas:',
      );
      await user.commit({ 'overlays/prod/kustomization.yaml': broken }, 'break the overlay');
    } finally {
      user.remove();
    }
    await waitFor(
      "Synced=False with kustomize's message",
      async () =>
        /kustomize build overlays\/prod: .*missing-patch\.yaml/s.test(
          (await gitSyncCondition(kube, NAME, 'Synced'))?.message ?? '',
        ),
      {
        timeoutMs: 60_000,
        onTimeout: async () =>
          `${JSON.stringify(await gitSyncCondition(kube, NAME, 'Synced'))}\n${logTail()}`,
      },
    );
    assert.ok(await deployment(), 'nothing pruned');
    const ns = await kube.kubectl(['get', 'namespace', 'kprod', '-o', 'jsonpath={.status.phase}']);
    assert.equal(ns.stdout, 'Active');
  });
});
