// Promise 3 (exact values) on the real stack: a `:tag` setter marker on `tag: 1.9` in a Helm
// values file, an ImagePolicy that picks 1.10 among the registry's tags 1.9 and 1.10, and the
// controller must commit `tag: "1.10"`: plain `1.10` is the number 1.1 to YAML, and Helm would
// deploy the wrong image. An update that cannot be written (an aliased image) is an
// AutomationSkipped Event on the GitSync, not silence.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { eventLines, installScenario } from '../support/scenario.ts';

const FIXTURE = 'exact-values';
const fixture = (file: string) =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', FIXTURE, file), 'utf8');

describe('exact values on the real stack', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let controller: ControllerProcess | undefined;

  const inGit = async (file: string) => git.gitIn(FIXTURE, ['show', `main:${file}`]);
  const seeded = (file: string) => fixture(file).replaceAll('REGISTRY_HOST', registry.host);

  before(async () => {
    [kube, registry, git] = await Promise.all([startKube(), startRegistry(), startGitServer()]);
    await registry.push.pushImage('values/app', ['1.9', '1.10']);
    const { kubeconfig } = await installScenario({ kube, registry, git }, { fixture: FIXTURE });
    await kube.kubectl(['create', 'namespace', 'apps']);
    // Numerical order of the minor version, as Flux users write it: 10 > 9 (as numbers, 1.10 < 1.9).
    await kube.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: app, namespace: apps}
spec:
  image: ${registry.host}/values/app
  interval: 2s
  filterTags: {pattern: '^1\\.(?<minor>[0-9]+)$', extract: '$minor'}
  policy: {numerical: {order: asc}}
`,
    });
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop()]);
  });

  it('commits tag: "1.10" for a :tag marker on tag: 1.9, and changes no other byte', async () => {
    await waitFor(
      'the automated commit of values.yaml',
      async () => (await inGit('values.yaml')) !== seeded('values.yaml'),
      {
        timeoutMs: 60_000,
        onTimeout: () => controller?.process.logTail(30) ?? '',
      },
    );
    const written = await inGit('values.yaml');
    assert.equal(
      written,
      seeded('values.yaml').replace(
        'tag: 1.9 # {"$imagepolicy": "apps:app:tag"}',
        'tag: "1.10" # {"$imagepolicy": "apps:app:tag"}',
      ),
    );
    for (const version of ['1.2', '1.1'] as const) {
      const values = parse(written, { version }) as { image: { tag: unknown } };
      assert.equal(values.image.tag, '1.10', `YAML ${version} reads the string 1.10`);
    }
    const subject = (await git.gitIn(FIXTURE, ['log', '-1', '--format=%s', 'main'])).trim();
    assert.match(subject, /1\.10/);
  });

  it('reports an aliased image it cannot write as an AutomationSkipped Event, and leaves the file alone', async () => {
    // The site of an aliased image is its anchor's scalar (line 11), which is what may not be edited.
    const expected = new RegExp(
      `AutomationSkipped: aliased\\.yaml:11: Deployment apps/aliased container app: ${registry.host.replaceAll('.', '\\.')}/values/app:1\\.10 not written \\(SHARED_SCALAR\\): the image is an alias`,
    );
    let events = '';
    await waitFor(
      'an AutomationSkipped Event on the GitSync',
      async () => {
        events = await eventLines(kube, 'tagpilot-system');
        return expected.test(events);
      },
      { timeoutMs: 60_000, onTimeout: () => `events:\n${events}\n${controller?.process.logTail(30) ?? ''}` },
    );
    assert.equal(await inGit('aliased.yaml'), seeded('aliased.yaml'));
  });
});
