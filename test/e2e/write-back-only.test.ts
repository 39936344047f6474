// Write-back-only, end to end: a GitSync with `sync.enabled: false` next to another tool that
// applies the repository (here `kubectl apply --server-side` under Argo CD's field manager). A new
// develop-v1.9.0 tag is committed to Git exactly as usual, and tagpilot writes nothing to the
// cluster's workloads: the API server's audit log holds no write of tagpilot's ServiceAccount to
// anything but its own Lease, Events and GitSync status; the Deployment keeps the image and the
// replicas the other tool gave it; a `kubectl scale` is not reverted.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, gitSyncCondition, installScenario } from '../support/scenario.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'flux-demo');
const CONTROLLER = 'system:serviceaccount:tagpilot-system:tagpilot';
/** What the controller itself may write: its Lease, Events, and the status of its own objects. */
const OWN_WRITES = new Set(['leases', 'events', 'gitsyncs', 'imagepolicies']);

describe('write-back-only GitSync (sync.enabled: false)', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
  const logTail = () => controller?.process.logTail(40) ?? '';

  before(async () => {
    [kube, registry, git] = await Promise.all([
      startKube({ audit: true }),
      startRegistry(),
      startGitServer(),
    ]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    // The other tool applies the repository's manifests.
    const manifests = readdirSync(fixture)
      .sort((a, b) => (a === 'namespace.yaml' ? -1 : b === 'namespace.yaml' ? 1 : a.localeCompare(b)))
      .map((file) => readFileSync(join(fixture, file), 'utf8').replaceAll('REGISTRY_HOST', registry.host));
    for (const manifest of manifests)
      await kube.kubectl(['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'], {
        input: manifest,
      });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', spec: '  sync: {enabled: false}\n' },
    );
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('is Ready with reason WriteBackOnly, and says why nothing is synced', async () => {
    await waitFor(
      'GitSync Ready',
      async () => (await gitSyncCondition(kube, 'flux-demo', 'Ready'))?.status === 'True',
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
    const ready = await gitSyncCondition(kube, 'flux-demo', 'Ready');
    assert.equal(ready?.reason, 'WriteBackOnly');
    assert.match(ready?.message ?? '', /applying is left to another tool \(spec\.sync\.enabled is false\)/);
    assert.equal((await gitSyncCondition(kube, 'flux-demo', 'Synced'))?.reason, 'SyncDisabled');
  });

  it('commits develop-v1.9.0 to Git and leaves the cluster to the other tool', async () => {
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const wanted = `image: ${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor(
      'the automated commit',
      async () => (await git.gitIn('flux-demo', ['show', 'main:deployment.yaml'])).includes(wanted),
      { timeoutMs: 90_000, onTimeout: logTail },
    );
    const subjects = (await git.gitIn('flux-demo', ['log', '--format=%s', 'main'])).trim().split('\n');
    assert.equal(subjects[0], `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`);
    // A poll or two later the cluster still runs what the other tool applied.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    assert.equal(await flaskImage(), `${registry.host}/flaskapp:develop-v1.8.0`);
    const { stdout } = await kube.kubectl([
      'get',
      'gitsync',
      'flux-demo',
      '-n',
      'tagpilot-system',
      '-o',
      'json',
    ]);
    const status = (
      JSON.parse(stdout) as { status?: { inventory?: unknown[]; lastAutomationCommit?: string } }
    ).status;
    assert.equal(status?.inventory?.length ?? 0, 0, 'nothing is in the inventory');
    assert.match(status?.lastAutomationCommit ?? '', /^[0-9a-f]{40}$/);
  });

  it('does not revert a kubectl scale', async () => {
    await kube.kubectl(['scale', 'deployment/fluxdemo', '--replicas=4', '-n', 'my-demo']);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const { stdout } = await kube.kubectl([
      'get',
      'deployment',
      'fluxdemo',
      '-n',
      'my-demo',
      '-o',
      'jsonpath={.spec.replicas}',
    ]);
    assert.equal(stdout, '4');
  });

  it("the API server saw no write from tagpilot's ServiceAccount to anything but its own objects", async () => {
    const writes = kube.auditedWrites().filter((event) => event.user.username === CONTROLLER);
    assert.ok(writes.length > 0, 'the audit log holds the controller (its Lease at least)');
    const foreign = writes.filter((event) => !OWN_WRITES.has(event.objectRef?.resource ?? ''));
    assert.deepEqual(
      foreign.map((event) => `${event.verb} ${event.requestURI}`),
      [],
    );
    const { stdout } = await kube.kubectl(['get', 'deployment', 'fluxdemo', '-n', 'my-demo', '-o', 'json']);
    const managers = (
      JSON.parse(stdout) as { metadata: { managedFields?: { manager: string }[] } }
    ).metadata.managedFields?.map((entry) => entry.manager);
    assert.ok(!managers?.includes('tagpilot'), `field managers: ${managers?.join(', ')}`);
  });
});
