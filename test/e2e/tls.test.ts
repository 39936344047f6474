// Git and a registry behind TLS, end to end with the controller as its own process: the Git server
// (node:https, its own CA) is trusted only through the GitSync's certSecretRef, the registry (the
// distribution registry with http.tls, another CA) through --ca-file with --tls-registries for the
// GitSync's automation, and through an ImagePolicy's certSecretRef. A Secret with the wrong CA is
// a TLSCertificateFailed condition naming the problem; replacing the Secret fixes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli } from '../cli/run-cli.ts';
import { makeTestPki, type TestPki } from '../support/certs.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { deploymentImage, gitSyncCondition, installScenario } from '../support/scenario.ts';

describe('TLS end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;
  let gitPki: TestPki;
  let registryPki: TestPki;
  const dir = makeTempDir('tls-e2e');
  const logTail = () => controller?.process.logTail(40) ?? '';
  /** Creates or replaces generic Secret `name` in `namespace` with `ca.crt` from `caFile`. */
  const caSecret = async (namespace: string, name: string, caFile: string) => {
    const { stdout } = await kube.kubectl([
      'create',
      'secret',
      'generic',
      name,
      '-n',
      namespace,
      `--from-file=ca.crt=${caFile}`,
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    await kube.kubectl(['apply', '-f', '-'], { input: stdout });
  };

  before(async () => {
    [gitPki, registryPki] = await Promise.all([makeTestPki(dir, 'git'), makeTestPki(dir, 'registry')]);
    [kube, registry, git] = await Promise.all([
      startKube(),
      startRegistry({ tls: { ...registryPki.server, ca: registryPki.ca.cert } }),
      startGitServer({ tls: gitPki.server }),
    ]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    await registry.push.pushImage('team/app', ['1.0.0', '1.2.0']);
    await kube.kubectl(['create', 'namespace', 'tagpilot-system']);
    // The wrong CA first: the registry's, which does not sign the Git server's certificate.
    await caSecret('tagpilot-system', 'git-tls', registryPki.ca.cert);
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', spec: '  certSecretRef: {name: git-tls}\n' },
    );
    controller = await startController({
      kubeconfig,
      args: [`--ca-file=${registryPki.ca.cert}`, `--tls-registries=${registry.host}`],
    });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
    removeTempDir(dir);
  });

  it('a Secret with the wrong CA: TLSCertificateFailed naming the problem; the right one makes it sync', async () => {
    await waitFor(
      'TLSCertificateFailed',
      async () => (await gitSyncCondition(kube, 'flux-demo', 'Ready'))?.reason === 'TLSCertificateFailed',
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    const failed = await gitSyncCondition(kube, 'flux-demo', 'Ready');
    assert.match(
      failed?.message ?? '',
      /signed by a CA that is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/,
    );
    assert.match(failed?.message ?? '', /spec\.certSecretRef \(key ca\.crt\) or --ca-file/);

    await caSecret('tagpilot-system', 'git-tls', gitPki.ca.cert);
    const expected = `${registry.host}/flaskapp:develop-v1.8.0`;
    await waitFor(
      'fluxdemo applied',
      async () => (await deploymentImage(kube, 'my-demo', 'fluxdemo', 'flask')) === expected,
      {
        timeoutMs: 60_000,
        onTimeout: logTail,
      },
    );
    await waitFor(
      'GitSync Ready',
      async () => (await gitSyncCondition(kube, 'flux-demo', 'Ready'))?.status === 'True',
      {
        timeoutMs: 30_000,
        onTimeout: logTail,
      },
    );
  });

  it('automation over TLS: the registry through --ca-file, the commit pushed over TLS Git', async () => {
    await registry.push.pushImage('flaskapp', 'develop-v1.9.0', { created: '2026-02-01T00:00:00Z' });
    const subject = `Auto-release ${registry.host}/flaskapp:develop-v1.9.0`;
    await waitFor(
      'the automated commit',
      async () => (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim() === subject,
      { timeoutMs: 60_000, onTimeout: logTail },
    );
  });

  it('the CLI reads the repository over TLS with the GitSync certSecretRef', async () => {
    const run = cli({ cacheHome: dir, kubeconfig: kube.kubeconfigPath });
    const listed = await run(['list-workloads', '--gitsync', 'tagpilot-system/flux-demo']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /fluxdemo/);
  });

  it('an ImagePolicy with certSecretRef reaches Ready over TLS', async () => {
    await kube.kubectl(['create', 'namespace', 'apps']);
    await caSecret('apps', 'registry-tls', registryPki.ca.cert);
    await kube.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: app, namespace: apps}
spec:
  image: ${registry.host}/team/app
  interval: 2s
  certSecretRef: {name: registry-tls}
  policy: {semver: {range: "^1"}}
`,
    });
    const jsonpath = '{.status.conditions[?(@.type=="Ready")].status} {.status.latestTag}';
    await waitFor(
      'ImagePolicy Ready',
      async () =>
        (await kube.kubectl(['get', 'imagepolicy', 'app', '-n', 'apps', '-o', `jsonpath=${jsonpath}`]))
          .stdout === 'True 1.2.0',
      { timeoutMs: 60_000, onTimeout: logTail },
    );
  });
});
