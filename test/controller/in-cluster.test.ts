// The controller configured the way it is in a Pod, and nothing else: no kubeconfig anywhere,
// KUBERNETES_SERVICE_HOST/PORT set, the ServiceAccount's token, CA and namespace mounted at
// /var/run/secrets/kubernetes.io/serviceaccount (a private mount namespace, see
// test/support/controller-process.ts). It runs the flux demo on a living cluster; then the token
// rotates as the kubelet rotates it (a new token in the file, the old one revoked) and the next
// update still lands.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, installScenario, podsOf } from '../support/scenario.ts';

describe('in-cluster configuration only', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  const serviceAccount = makeTempDir('serviceaccount');
  const flaskImage = () => deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask');
  const logTail = () => controller?.process.logTail(30) ?? '';

  /** A token of tagpilot-system/tagpilot bound to Secret `name`: deleting the Secret revokes it. */
  async function boundToken(name: string): Promise<string> {
    await kube.kubectl(['create', 'secret', 'generic', name, '-n', 'tagpilot-system']);
    const { stdout } = await kube.kubectl([
      'create',
      'token',
      'tagpilot',
      '-n',
      'tagpilot-system',
      '--bound-object-kind=Secret',
      `--bound-object-name=${name}`,
      '--duration=1h',
    ]);
    return stdout.trim();
  }

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube({ nodes: 1 }), startRegistry(), startGitServer()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    writeFileSync(join(serviceAccount, 'token'), await boundToken('token-a'));
    copyFileSync(kube.caFile, join(serviceAccount, 'ca.crt'));
    writeFileSync(join(serviceAccount, 'namespace'), 'tagpilot-system');
    const url = new URL(kube.server);
    controller = await startController({
      inCluster: { host: url.hostname, port: url.port, serviceAccountDir: serviceAccount },
      name: 'in-cluster',
    });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    removeTempDir(serviceAccount);
  });

  it('syncs, and commits and rolls out develop-v1.9.0, with only the in-cluster configuration', async () => {
    await waitFor(
      'fluxdemo on develop-v1.8.0',
      async () => (await flaskImage()).endsWith(':develop-v1.8.0'),
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const expected = `${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor(
      'every fluxdemo Pod on develop-v1.9.0',
      async () => {
        const pods = (await podsOf(kube, 'my-demo', 'app=fluxdemo')).filter((pod) => !pod.terminating);
        return pods.length === 1 && pods.every((pod) => pod.ready && pod.images.flask === expected);
      },
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    const started = controller?.logs().find((line) => line.msg === 'controller started');
    assert.ok(started, 'the controller started');
  });

  it('keeps working when the token rotates and the old one is revoked', async () => {
    writeFileSync(join(serviceAccount, 'token'), await boundToken('token-b'));
    await kube.kubectl(['delete', 'secret', 'token-a', '-n', 'tagpilot-system']);
    await registry.push.pushImage('flaskapp', 'develop-v1.10.0', { created: '2026-03-01T00:00:00Z' });
    await waitFor(
      'fluxdemo on develop-v1.10.0',
      async () => (await flaskImage()).endsWith(':develop-v1.10.0'),
      {
        timeoutMs: 90_000,
        onTimeout: logTail,
      },
    );
  });
});
