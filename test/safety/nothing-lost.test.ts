// Promise 1, "Nothing lost", on the real stack: a commit that breaks a file (a YAML syntax error,
// an alias bomb, a document that fails to render) never prunes the live objects of that file, and
// the GitSync says Ready=False naming the file and line. Only a real removal from Git prunes; a
// Namespace whose file is broken is never deleted.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';
import { awaitSyncOf, exists, gitSyncStatus } from './gitsync-status.ts';
import { cloneAsUser, type UserClone } from './user-clone.ts';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'flux-demo');
const original = (file: string) => readFileSync(join(fixture, file), 'utf8');

const syntaxError = `apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx-conf
  namespace: my-demo
data:
  default.conf: [unclosed
`;

const aliasBomb = `apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-conf, namespace: my-demo}
data:
  a: &a [x, x, x, x, x, x, x, x, x, x]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
`;

const renderError = `apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx-conf
  namespace: [my-demo]
data:
  default.conf: x
`;

describe('safety: nothing lost', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let clone: UserClone;
  const logTail = () => controller?.process.logTail(40) ?? '';
  const configMapLives = () => exists(kube, ['configmap', 'nginx-conf', '-n', 'my-demo']);

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    controller = await startController({ kubeconfig });
    clone = await cloneAsUser(git, 'flux-demo');
    await waitFor('the ConfigMap to be applied', configMapLives, { timeoutMs: 60_000, onTimeout: logTail });
  });

  after(async () => {
    await controller?.stop();
    clone?.remove();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  for (const [what, content, where] of [
    ['a YAML syntax error', syntaxError, /configmap\.yaml:\d+/],
    ['an alias bomb', aliasBomb, /configmap\.yaml:\d+: .*alias/i],
    ['a document that fails to render', renderError, /configmap\.yaml:\d+: ConfigMap .*metadata\.namespace/],
  ] as const) {
    it(`${what} in an existing file keeps its live object, and Ready=False names file and line`, async () => {
      const commit = await clone.commit({ 'configmap.yaml': content }, `break configmap.yaml: ${what}`);
      const conditions = await awaitSyncOf(kube, 'flux-demo', commit, { onTimeout: logTail });
      assert.equal(conditions.get('Ready')?.status, 'False', JSON.stringify([...conditions.values()]));
      assert.match(conditions.get('Ready')?.message ?? '', where);
      assert.equal(conditions.get('Synced')?.status, 'False');
      assert.match(conditions.get('Synced')?.message ?? '', /nothing pruned/);
      assert.equal(await configMapLives(), true, 'the ConfigMap was pruned over a broken file');
      const { inventory } = await gitSyncStatus(kube, 'flux-demo');
      assert.ok(
        inventory.includes('my-demo_nginx-conf__ConfigMap'),
        `inventory lost the ConfigMap: ${inventory}`,
      );
      const fixed = await clone.commit(
        { 'configmap.yaml': original('configmap.yaml') },
        'fix configmap.yaml',
      );
      const after = await awaitSyncOf(kube, 'flux-demo', fixed, { onTimeout: logTail });
      assert.equal(after.get('Ready')?.status, 'True', after.get('Ready')?.message);
    });
  }

  it('a Namespace whose file has a syntax error is not deleted, nor anything in it', async () => {
    const commit = await clone.commit(
      { 'namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [my-demo\n' },
      'break namespace.yaml',
    );
    const conditions = await awaitSyncOf(kube, 'flux-demo', commit, { onTimeout: logTail });
    assert.equal(conditions.get('Ready')?.status, 'False');
    assert.match(conditions.get('Ready')?.message ?? '', /namespace\.yaml:\d+/);
    const phase = await kube.kubectl(['get', 'namespace', 'my-demo', '-o', 'jsonpath={.status.phase}']);
    assert.equal(phase.stdout, 'Active');
    assert.equal(await exists(kube, ['deployment', 'fluxdemo', '-n', 'my-demo']), true);
    const fixed = await clone.commit({ 'namespace.yaml': original('namespace.yaml') }, 'fix namespace.yaml');
    await awaitSyncOf(kube, 'flux-demo', fixed, { onTimeout: logTail });
  });

  it('removing the file from Git prunes its object', async () => {
    const commit = await clone.commit({ 'configmap.yaml': null }, 'remove configmap.yaml');
    const conditions = await awaitSyncOf(kube, 'flux-demo', commit, { onTimeout: logTail });
    assert.equal(conditions.get('Ready')?.status, 'True', conditions.get('Ready')?.message);
    assert.match(conditions.get('Synced')?.message ?? '', /1 pruned/);
    await waitFor('the ConfigMap to be gone', async () => !(await configMapLives()), { timeoutMs: 10_000 });
  });

  it('an object annotated tagpilot.io/prune: disabled survives its removal from Git', async () => {
    const annotated = original('configmap.yaml').replace(
      '  namespace: my-demo\n',
      '  namespace: my-demo\n  annotations:\n    tagpilot.io/prune: disabled\n',
    );
    const added = await clone.commit({ 'configmap.yaml': annotated }, 'configmap, never pruned');
    await awaitSyncOf(kube, 'flux-demo', added, { onTimeout: logTail });
    assert.equal(await configMapLives(), true);
    const removed = await clone.commit({ 'configmap.yaml': null }, 'remove configmap.yaml again');
    const conditions = await awaitSyncOf(kube, 'flux-demo', removed, { onTimeout: logTail });
    assert.match(conditions.get('Synced')?.message ?? '', /0 pruned/);
    assert.equal(await configMapLives(), true);
  });
});
