// A repository cannot make the controller read without bound (DESIGN §0 promise 4): a commit with
// more manifest files, a larger file, or more bytes in all than the read limits is refused before
// anything is parsed. The GitSync says Ready=False with the number and the limit, nothing is
// applied and nothing is pruned, and the next commit under the limits syncs again. Real
// kube-apiserver, registry and Git server; the controller runs with small limits so the commits
// stay small.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awaitSyncOf, exists, gitSyncStatus } from '../safety/gitsync-status.ts';
import { cloneAsUser, type UserClone } from '../safety/user-clone.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'flux-demo');
const original = (file: string) => readFileSync(join(fixture, file), 'utf8');

function configMap(name: string, dataBytes = 10): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: my-demo}\ndata:\n  x: "${'x'.repeat(dataBytes)}"\n`;
}

/** `count` extra ConfigMap files (or their removal, with `null`). */
function extras(count: number, content: (name: string) => string | null): Record<string, string | null> {
  const files: Record<string, string | null> = {};
  for (let i = 0; i < count; i++) files[`extra/cm-${i}.yaml`] = content(`extra-${i}`);
  return files;
}

describe('hostile: a repository over the read limits is refused, nothing pruned', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let clone: UserClone;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const configMapLives = () => exists(kube, ['configmap', 'nginx-conf', '-n', 'my-demo']);
  const deploymentLives = () => exists(kube, ['deployment', 'fluxdemo', '-n', 'my-demo']);

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    controller = await startController({
      kubeconfig,
      args: [
        '--max-manifest-files=20',
        '--max-manifest-file-bytes=64Ki',
        '--max-manifest-bytes=256Ki',
        '--max-manifest-documents=10',
      ],
    });
    clone = await cloneAsUser(git, 'flux-demo');
    await waitFor('the ConfigMap to be applied', configMapLives, { timeoutMs: 60_000, onTimeout: logTail });
  });

  after(async () => {
    await controller?.stop();
    clone?.remove();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  /** Commits `files`, expects the refusal `says`, checks nothing moved, then undoes the commit. */
  async function expectRefused(
    files: Record<string, string | null>,
    says: RegExp,
    undo: Record<string, string | null>,
  ) {
    const commit = await clone.commit(files, 'over a read limit');
    const conditions = await awaitSyncOf(kube, 'flux-demo', commit, { onTimeout: logTail });
    const ready = conditions.get('Ready');
    assert.equal(ready?.status, 'False', JSON.stringify([...conditions.values()]));
    assert.equal(ready?.reason, 'RepositoryTooLarge');
    assert.match(ready?.message ?? '', says);
    assert.match(ready?.message ?? '', /nothing applied, nothing pruned/);
    assert.equal(await configMapLives(), true, 'the ConfigMap was pruned by a refused sync');
    assert.equal(await deploymentLives(), true, 'the Deployment was pruned by a refused sync');
    assert.equal(
      await exists(kube, ['configmap', 'extra-0', '-n', 'my-demo']),
      false,
      'a refused sync applied',
    );
    const { inventory } = await gitSyncStatus(kube, 'flux-demo');
    assert.ok(
      inventory.includes('my-demo_nginx-conf__ConfigMap'),
      `inventory lost the ConfigMap: ${inventory}`,
    );
    const fixed = await clone.commit(undo, 'back under the limits');
    const back = await awaitSyncOf(kube, 'flux-demo', fixed, { onTimeout: logTail });
    assert.equal(back.get('Ready')?.status, 'True', back.get('Ready')?.message);
  }

  it('more manifest files than --max-manifest-files', async () => {
    await expectRefused(
      { 'configmap.yaml': null, ...extras(30, (name) => configMap(name)) },
      /the repository root holds 32 manifest files, over the limit of 20; limit set by --max-manifest-files/,
      { 'configmap.yaml': original('configmap.yaml'), ...extras(30, () => null) },
    );
  });

  it('one manifest file larger than --max-manifest-file-bytes', async () => {
    await expectRefused(
      { 'deployment.yaml': null, 'extra/cm-0.yaml': configMap('extra-0', 100_000) },
      /extra\/cm-0\.yaml is 100,0\d\d bytes, over the limit of 65,536 bytes per manifest file; limit set by --max-manifest-file-bytes/,
      { 'deployment.yaml': original('deployment.yaml'), 'extra/cm-0.yaml': null },
    );
  });

  it('more bytes in all than --max-manifest-bytes', async () => {
    await expectRefused(
      { 'configmap.yaml': null, ...extras(5, (name) => configMap(name, 60_000)) },
      /the manifests under the repository root add up to more than 262,144 bytes \([\d,]+ read so far\); limit set by --max-manifest-bytes/,
      { 'configmap.yaml': original('configmap.yaml'), ...extras(5, () => null) },
    );
  });

  it('more YAML documents in one file than --max-manifest-documents', async () => {
    const documents = Array.from({ length: 12 }, (_, i) => configMap(`doc-${i}`)).join('---\n');
    await expectRefused(
      { 'deployment.yaml': null, 'extra/many.yaml': documents },
      /extra\/many\.yaml holds 12 YAML documents, over the limit of 10 per file; limit set by --max-manifest-documents/,
      { 'deployment.yaml': original('deployment.yaml'), 'extra/many.yaml': null },
    );
  });
});
