// Image automation beyond the flux demo, end to end: tagpilot.io annotations with semver, Flux
// annotations with a regex version group, an ImagePolicy + `$imagepolicy` marker, a locked
// workload, an invalid filter and a registry that is down.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { eventLines, installScenario } from '../support/scenario.ts';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures');

describe('automation variants end to end', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;

  const file = async (path: string) => git.gitIn('variants', ['show', `main:${path}`]);
  const image = async (name: string) =>
    (
      await kube.kubectl(
        [
          'get',
          'deployment',
          name,
          '-n',
          'variants',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ],
        { allowFailure: true },
      )
    ).stdout;

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    const push = registry.push;
    await push.pushImage('semver-app', ['1.2.0', '1.2.5', '1.3.0', '2.0.0']);
    await push.pushImage('regex-app', ['main-7', 'main-9', 'main-10', 'main-8', 'feature-99']);
    await push.pushImage('marker-app', ['1.0.0', '1.1.0', '0.9.0']);
    await kube.kubectl(['create', 'namespace', 'variants']);
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: 'variants' });
    const policy = readFileSync(join(fixtures, 'variants-imagepolicy.yaml'), 'utf8').replace(
      'REGISTRY_HOST',
      registry.host,
    );
    await kube.kubectl(['apply', '-f', '-'], { input: policy });
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('updates semver, regex and marker images in Git and in the cluster', async () => {
    const expected = {
      'semver.yaml': `image: ${registry.host}/semver-app:1.2.5\n`,
      'regex.yaml': `image: "${registry.host}/regex-app:main-10"\n`,
      'marker.yaml': `image: ${registry.host}/marker-app:1.1.0 # {"$imagepolicy": "variants:marker-app"}\n`,
    };
    await waitFor(
      'all three updates in Git',
      async () => {
        for (const [path, line] of Object.entries(expected))
          if (!(await file(path)).includes(line)) return false;
        return true;
      },
      { timeoutMs: 90_000, onTimeout: () => controller?.process.logTail(30) ?? '' },
    );
    const log = await git.gitIn('variants', ['log', '--format=%H %s', 'main']);
    const automated = log
      .trim()
      .split('\n')
      .filter((line) => line.includes('Auto-release'));
    assert.ok(automated.length >= 1 && automated.length <= 3, log);
    for (const line of automated) {
      const diff = await git.gitIn('variants', [
        'show',
        '--format=',
        '--unified=0',
        line.split(' ')[0] ?? '',
      ]);
      const changed = diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l));
      assert.ok(
        changed.length > 0 && changed.every((l) => /^[-+]\s+image: /.test(l)),
        `only image lines change:\n${diff}`,
      );
    }
    await waitFor(
      'the cluster to run the new images',
      async () =>
        (await image('semver-app')).endsWith(':1.2.5') &&
        (await image('regex-app')).endsWith(':main-10') &&
        (await image('marker-app')).endsWith(':1.1.0'),
      { timeoutMs: 30_000 },
    );
  });

  it('leaves locked and invalid workloads alone and says why', async () => {
    assert.match(await file('locked.yaml'), /semver-app:1\.2\.0/);
    assert.match(await file('invalid.yaml'), /regex-app:main-7/);
    await waitFor(
      'automation events on the GitSync',
      async () => {
        const stdout = await eventLines(kube, 'tagpilot-system');
        return (
          /AutomationSkipped: .*locked-app container app: Locked: workload is locked: release freeze/.test(
            stdout,
          ) &&
          /AutomationSkipped: .*broken-app container app: InvalidPolicy: invalid regex/.test(stdout) &&
          /AutomationSkipped: .*broken-app container down: ScanFailed/.test(stdout)
        );
      },
      { timeoutMs: 30_000 },
    );
  });

  it('shows the ImagePolicy latest tag in kubectl get imagepolicies', async () => {
    const { stdout } = await kube.kubectl(['get', 'imagepolicies', '-n', 'variants']);
    assert.match(
      stdout,
      new RegExp(`marker-app\\s+${registry.host.replace('.', '\\.')}/marker-app\\s+1\\.1\\.0\\s+True`),
    );
  });

  it('keeps automating while one registry is down', async () => {
    await registry.push.pushImage('semver-app', '1.2.7');
    await waitFor(
      'semver-app 1.2.7 in Git',
      async () => (await file('semver.yaml')).includes('semver-app:1.2.7'),
      {
        timeoutMs: 30_000,
      },
    );
  });
});
