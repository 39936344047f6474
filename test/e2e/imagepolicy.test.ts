// ImagePolicy end to end against a token-auth registry: credentials from a dockerconfigjson
// Secret and from a ServiceAccount's imagePullSecrets, an unreadable Secret and an invalid spec
// as conditions, suspend, and a graceful SIGTERM.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { installScenario } from '../support/scenario.ts';

describe('ImagePolicy end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;

  const policy = (name: string, spec: string) =>
    `apiVersion: tagpilot.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: ${name}, namespace: apps}\nspec:\n  image: ${registry.host}/private/app\n  interval: 2s\n${spec}`;
  const ready = async (name: string) => {
    const jsonpath =
      '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason} {.status.latestTag}';
    return (await kube.kubectl(['get', 'imagepolicy', name, '-n', 'apps', '-o', `jsonpath=${jsonpath}`]))
      .stdout;
  };

  before(async () => {
    [kube, registry, git] = await Promise.all([
      startKube(),
      startRegistry({ auth: 'token' }),
      startGitServer(),
    ]);
    await registry.push.pushImage('private/app', ['1.0.0', '1.4.2', '2.0.0-rc.1', '1.5.0']);
    await registry.push.pushImage('private/app', 'not-semver');
    // The flux demo scenario installs tagpilot and gives the controller its ServiceAccount.
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'flux-demo' });
    await kube.kubectl(['create', 'namespace', 'apps']);
    await kube.kubectl([
      'create',
      'secret',
      'docker-registry',
      'regcred',
      '-n',
      'apps',
      `--docker-server=${registry.host}`,
      `--docker-username=${registry.username}`,
      `--docker-password=${registry.password}`,
    ]);
    await kube.kubectl(['create', 'serviceaccount', 'puller', '-n', 'apps']);
    await kube.kubectl([
      'patch',
      'serviceaccount',
      'puller',
      '-n',
      'apps',
      '-p',
      '{"imagePullSecrets":[{"name":"regcred"}]}',
    ]);
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('scans a private repository with a secretRef and with a ServiceAccount', async () => {
    await kube.kubectl(['apply', '-f', '-'], {
      input: `${policy('by-secret', '  secretRef: {name: regcred}\n  policy: {semver: {range: "^1"}}\n')}\n---\n${policy(
        'by-account',
        '  serviceAccountName: puller\n  policy: {semver: {range: ">=1.0.0", includePrerelease: true}}\n',
      )}`,
    });
    await waitFor(
      'both policies ready',
      async () =>
        (await ready('by-secret')) === 'True Succeeded 1.5.0' &&
        (await ready('by-account')) === 'True Succeeded 2.0.0-rc.1',
      {
        timeoutMs: 30_000,
        onTimeout: () => controller?.process.logTail(20) ?? '',
      },
    );
    const status = JSON.parse(
      (await kube.kubectl(['get', 'imagepolicy', 'by-secret', '-n', 'apps', '-o', 'json'])).stdout,
    ) as {
      status: { latestImage: string; latestDigest: string; tagCount: number };
    };
    assert.equal(status.status.latestImage, `${registry.host}/private/app:1.5.0`);
    assert.match(status.status.latestDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(status.status.tagCount, 5);
  });

  it('reports a missing Secret, no credentials and an invalid policy as conditions', async () => {
    await kube.kubectl(['apply', '-f', '-'], {
      input: [
        policy('no-secret', '  secretRef: {name: missing}\n  policy: {semver: {range: "^1"}}\n'),
        policy('anonymous', '  policy: {semver: {range: "^1"}}\n'),
        policy('bad-regex', '  policy: {regex: {pattern: "main-("}}\n'),
      ].join('\n---\n'),
    });
    await waitFor(
      'the three conditions',
      async () =>
        (await ready('no-secret')) === 'False CredentialsUnavailable ' &&
        (await ready('anonymous')) === 'False ScanFailed ' &&
        (await ready('bad-regex')) === 'False InvalidPolicy ',
      { timeoutMs: 30_000 },
    );
    const message = (
      await kube.kubectl([
        'get',
        'imagepolicy',
        'no-secret',
        '-n',
        'apps',
        '-o',
        'jsonpath={.status.conditions[0].message}',
      ])
    ).stdout;
    assert.equal(message, 'Secret apps/missing not found');
    const anonymous = (
      await kube.kubectl([
        'get',
        'imagepolicy',
        'anonymous',
        '-n',
        'apps',
        '-o',
        'jsonpath={.status.conditions[0].message}',
      ])
    ).stdout;
    assert.doesNotMatch(anonymous, new RegExp(registry.password));
  });

  it('stops scanning while suspended', async () => {
    await kube.kubectl([
      'patch',
      'imagepolicy',
      'by-secret',
      '-n',
      'apps',
      '--type=merge',
      '-p',
      '{"spec":{"suspend":true}}',
    ]);
    await waitFor('Suspended', async () => (await ready('by-secret')).startsWith('False Suspended'), {
      timeoutMs: 15_000,
    });
    await registry.push.pushImage('private/app', '1.6.0');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    assert.equal(await ready('by-secret'), 'False Suspended 1.5.0');
    await kube.kubectl([
      'patch',
      'imagepolicy',
      'by-secret',
      '-n',
      'apps',
      '--type=merge',
      '-p',
      '{"spec":{"suspend":false}}',
    ]);
    await waitFor('resumed with 1.6.0', async () => (await ready('by-secret')) === 'True Succeeded 1.6.0', {
      timeoutMs: 15_000,
    });
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const running = controller;
    assert.ok(running);
    const started = Date.now();
    await running.stop();
    assert.equal(await running.process.exited, 0);
    assert.ok(Date.now() - started < 5000, 'exits within 5 s');
    assert.ok(running.logs().some((line) => line.msg === 'shutting down'));
    controller = undefined;
  });
});
