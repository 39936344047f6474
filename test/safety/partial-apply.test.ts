// Promise 1 and "apply everything it can", on the real stack with the single-tenant install's RBAC:
// a repository with a RoleBinding the ServiceAccount may not list or write (granting rights is not
// an application's business; Secrets, which Flux v1's example repository has, now apply) and a
// ConfigMap for a namespace that does not exist yet. Everything else applies, the
// GitSync says exactly what failed (Ready=False, `tagpilot status` exits 1), automation goes on,
// and the ConfigMap arrives within seconds of its namespace, with no new commit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../cli/run-cli.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, eventLines, installScenario } from '../support/scenario.ts';
import { exists, gitSyncStatus } from './gitsync-status.ts';
import { cloneAsUser, type UserClone } from './user-clone.ts';

const roleBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app-admins
  namespace: my-demo
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: mallory}
`;

const later = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: arrives-later
data:
  mode: batch
`;

describe('safety: a forbidden kind and a missing namespace fail alone', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let clone: UserClone;
  let cacheHome: string;
  const logTail = () => controller?.process.logTail(60) ?? '';

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    cacheHome = makeTempDir('safety-cli');
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '30s' },
    );
    clone = await cloneAsUser(git, 'flux-demo');
    await clone.commit(
      { 'rolebinding.yaml': roleBinding, 'later.yaml': later },
      'add a RoleBinding and a ConfigMap',
    );
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    clone?.remove();
    if (cacheHome) removeTempDir(cacheHome);
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('applies everything else and names what failed, with the missing verb', async () => {
    await waitFor(
      'the Deployment and ConfigMap to be applied',
      async () =>
        (await exists(kube, ['deployment', 'fluxdemo', '-n', 'my-demo'])) &&
        (await exists(kube, ['configmap', 'nginx-conf', '-n', 'my-demo'])),
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    let ready = '';
    await waitFor(
      'Ready=False naming the first failure and counting the other',
      async () => {
        const { conditions } = await gitSyncStatus(kube, 'flux-demo');
        const condition = conditions.get('Ready');
        ready = `${condition?.status} ${condition?.reason}: ${condition?.message}`;
        return condition?.status === 'False' && /\(and 1 more\)/.test(ready);
      },
      { timeoutMs: 30_000, onTimeout: () => `${ready}\n${logTail()}` },
    );
    assert.match(ready, /^False ApplyFailed: commit [0-9a-f]{7}: /);
    assert.match(ready, /RoleBinding my-demo\/app-admins|ConfigMap arrives-later\/settings/);
    assert.match(ready, /3 unchanged|3 created/);
    let events = '';
    await waitFor(
      'the Events naming both failures',
      async () => {
        events = await eventLines(kube, 'tagpilot-system');
        return /ApplyFailed: RoleBinding my-demo\/app-admins/.test(events) && /SyncFailed: /.test(events);
      },
      { timeoutMs: 10_000, onTimeout: () => events },
    );
    // The missing verb, from the API server's own words.
    assert.match(events, /ApplyFailed: RoleBinding my-demo\/app-admins: cannot list: .*cannot list resource/);
    assert.match(
      events,
      /SyncFailed: .*failed: .*(RoleBinding my-demo\/app-admins.*ConfigMap arrives-later\/settings|ConfigMap arrives-later\/settings.*RoleBinding my-demo\/app-admins)/,
    );
    assert.equal(await exists(kube, ['rolebinding', 'app-admins', '-n', 'my-demo']), false);
  });

  it('tagpilot status exits 1 and shows why', async () => {
    const status = await cli({ cacheHome, kubeconfig: kube.kubeconfigPath })(['status']);
    assert.equal(status.code, 1, status.stdout + status.stderr);
    assert.match(status.stdout, /tagpilot-system\/flux-demo: ApplyFailed: .*\(and 1 more\)/);
  });

  it('automation goes on: a new tag is committed and applied', async () => {
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const expected = `${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor(
      'the Deployment to run develop-v1.9.0',
      async () => (await deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask')) === expected,
      { timeoutMs: 90_000, onTimeout: logTail },
    );
    const subject = await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main']);
    assert.equal(subject.trim(), `Auto-release ${expected}`);
  });

  it('a namespace created by hand gets its objects within seconds, with no new commit', async () => {
    const head = (await git.gitIn('flux-demo', ['rev-parse', 'main'])).trim();
    await kube.kubectl(['create', 'namespace', 'arrives-later']);
    const created = Date.now();
    await waitFor(
      'the ConfigMap in the new namespace',
      () => exists(kube, ['configmap', 'settings', '-n', 'arrives-later']),
      {
        timeoutMs: 25_000,
        onTimeout: logTail,
      },
    );
    const waited = Date.now() - created;
    assert.equal((await git.gitIn('flux-demo', ['rev-parse', 'main'])).trim(), head, 'a commit was needed');
    // The GitSync polls every 30 s; the retry backoff (2 s doubling, capped at 10 s) is
    // what brings it in sooner, the 10-minute full re-sync is far away.
    assert.ok(waited < 25_000, `took ${waited} ms`);
  });
});
