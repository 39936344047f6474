// DESIGN §0 promise 2, "never a downgrade", on the real stack: a real kube-apiserver + etcd, a real
// distribution registry with token auth, a real git http-backend server and the controller process.
// Registry faults at the moment of a scan — 429 on the current tag's manifest, 503 on its config
// blob, the token realm down, the current tag deleted — never move an image in Git, for a tag
// filter with newest-build ordering (`glob:develop-v*`), for `tagpilot.io/policy.<container>` and
// for a `$imagepolicy` marker, and a condition or Event says why. The 429 and 503 come from a
// forwarding proxy in front of the real registry (test/support/fault-proxy.ts); the 429 one has its
// own host, because the client slows a whole host down after a 429.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { eventLines, installScenario } from '../support/scenario.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'never-downgrade');
const OLDER = { created: '2026-01-01T00:00:00Z' };
const NEWER = { created: '2026-02-01T00:00:00Z' };
/** Deployment file -> prefix of its repositories and ImagePolicy; see test/fixtures/never-downgrade. */
const SCENARIOS = { 'rate-limited': 'rl', unavailable: 'un', 'realm-down': 'rd', deleted: 'del' } as const;

interface PolicyStatus {
  latestTag?: string;
  lastScanTime?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

describe('never a downgrade: registry faults at the moment of a scan', () => {
  let kube: KubeStack;
  let registry: RegistryStack;
  let git: GitServer;
  let proxy: FaultProxy;
  let limited: FaultProxy;
  let controller: ControllerProcess | undefined;
  let fixtureText: (file: string) => string;

  const file = async (path: string) => git.gitIn('never-downgrade', ['show', `main:${path}`]);
  const logs = () => controller?.process.logTail(40) ?? '';
  const policyStatus = async (name: string): Promise<PolicyStatus> =>
    (
      JSON.parse((await kube.kubectl(['get', 'imagepolicy', name, '-n', 'apps', '-o', 'json'])).stdout) as {
        status?: PolicyStatus;
      }
    ).status ?? {};
  const ready = async (name: string) =>
    (await policyStatus(name)).conditions?.find((c) => c.type === 'Ready');
  /** Tag listings of the healthy image: one per automation run of the GitSync (all files, one run). */
  const listings = () => proxy.count('GET', /^\/v2\/healthy\/tags\/list/, 200);
  /** Waits until `runs` automation runs have started and finished after this call. */
  const completedRuns = async (runs: number) => {
    const start = listings();
    await waitFor(`${runs} completed automation runs`, () => listings() >= start + runs + 1, {
      timeoutMs: 30_000 * runs,
      intervalMs: 200,
      onTimeout: logs,
    });
  };

  before(async () => {
    [kube, registry, git] = await Promise.all([
      startKube(),
      startRegistry({ auth: 'token' }),
      startGitServer(),
    ]);
    [proxy, limited] = await Promise.all([startFaultProxy(registry.url), startFaultProxy(registry.url)]);
    const hosts = { REGISTRY_HOST: proxy.host, LIMITED_HOST: limited.host };
    fixtureText = (name) =>
      readFileSync(join(FIXTURE, name), 'utf8')
        .replaceAll('REGISTRY_HOST', hosts.REGISTRY_HOST)
        .replaceAll('LIMITED_HOST', hosts.LIMITED_HOST);
    const unavailableConfigs: string[] = [];
    for (const repo of ['healthy', ...Object.values(SCENARIOS).flatMap((p) => [`${p}-anno`, `${p}-pol`])]) {
      // A label per repository: identical configs would be served from the digest-keyed cache.
      const labels = { repository: repo };
      await registry.push.pushImage(repo, 'develop-v1.8.0', { ...OLDER, labels });
      const newer = await registry.push.pushImage(repo, 'develop-v1.9.0', { ...NEWER, labels });
      if (repo.startsWith('un-')) unavailableConfigs.push(newer.configDigest);
    }
    // Faults the controller meets at its first scan of each image (nothing cached yet).
    await registry.push.deleteTag('del-anno', 'develop-v1.9.0');
    limited.arm({
      methods: ['GET', 'HEAD'],
      path: /^\/v2\/rl-(anno|pol)\/manifests\/develop-v1\.9\.0$/,
      status: 429,
      retryAfter: '1',
    });
    proxy.arm({
      methods: ['GET'],
      path: new RegExp(`^/v2/un-(anno|pol)/blobs/(${unavailableConfigs.join('|')})$`),
      status: 503,
    });
    registry.tokenServer?.setDown(/^repository:rd-(anno|pol):/);

    await kube.kubectl(['create', 'namespace', 'apps']);
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const dockerConfig = JSON.stringify({ auths: { [proxy.host]: { auth }, [limited.host]: { auth } } });
    await kube.kubectl([
      'create',
      'secret',
      'generic',
      'regcred',
      '-n',
      'apps',
      '--type=kubernetes.io/dockerconfigjson',
      `--from-literal=.dockerconfigjson=${dockerConfig}`,
    ]);
    // The implicit ServiceAccount (kube-controller-manager, which would create it, is not running).
    await kube.kubectl(['create', 'serviceaccount', 'default', '-n', 'apps']);
    await kube.kubectl([
      'patch',
      'serviceaccount',
      'default',
      '-n',
      'apps',
      '-p',
      '{"imagePullSecrets":[{"name":"regcred"}]}',
    ]);
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'never-downgrade', replace: hosts },
    );
    const policies = Object.entries(SCENARIOS).map(
      ([name, prefix]) =>
        `apiVersion: tagpilot.io/v1alpha1\nkind: ImagePolicy\nmetadata: {name: ${prefix}-pol, namespace: apps}\n` +
        `spec:\n  image: ${name === 'rate-limited' ? limited.host : proxy.host}/${prefix}-pol\n  interval: 2s\n` +
        '  secretRef: {name: regcred}\n  policy: {glob: {pattern: "develop-v*"}}\n',
    );
    await kube.kubectl(['apply', '-f', '-'], { input: policies.join('---\n') });
    controller = await startController({ kubeconfig });
  });

  after(async () => {
    await controller?.stop();
    await Promise.allSettled([kube?.stop(), registry?.stop(), git?.stop(), proxy?.stop(), limited?.stop()]);
  });

  it('moves a healthy image up, with the pull secret of the implicit default ServiceAccount', async () => {
    await waitFor(
      'healthy develop-v1.9.0 in Git',
      async () => (await file('healthy.yaml')).includes(`${proxy.host}/healthy:develop-v1.9.0`),
      { timeoutMs: 60_000, intervalMs: 200, onTimeout: logs },
    );
  });

  it('429, 503 and a token realm that is down change nothing in Git, and say why', async (t) => {
    await completedRuns(3);
    for (const name of ['rate-limited', 'unavailable', 'realm-down', 'deleted'])
      assert.equal(await file(`${name}.yaml`), fixtureText(`${name}.yaml`), `${name}.yaml is unchanged`);
    await waitFor(
      'the three ImagePolicies to report their scan failure',
      async () =>
        (await ready('rl-pol'))?.reason === 'RateLimited' &&
        (await ready('un-pol'))?.reason === 'ScanFailed' &&
        (await ready('rd-pol'))?.reason === 'ScanFailed',
      { timeoutMs: 20_000, intervalMs: 200, onTimeout: logs },
    );
    // The faults really were met, by the annotation scan and by the ImagePolicy scan.
    for (const repo of ['rl-anno', 'rl-pol'])
      assert.ok(
        limited.count('GET', new RegExp(`^/v2/${repo}/manifests/develop-v1\\.9\\.0$`), 429) > 0,
        repo,
      );
    for (const repo of ['un-anno', 'un-pol'])
      assert.ok(proxy.count('GET', new RegExp(`^/v2/${repo}/blobs/`), 503) > 0, repo);
    assert.ok((registry.tokenServer?.refused() ?? 0) > 0, 'the token realm was asked and was down');

    assert.match((await ready('rl-pol'))?.message ?? '', /429/);
    assert.match((await ready('un-pol'))?.message ?? '', /503/);
    const realmDown = (await ready('rd-pol'))?.message ?? '';
    t.diagnostic(`rd-pol: ${realmDown}`);
    assert.match(
      realmDown,
      new RegExp(`token|${registry.tokenServer?.realm.replace(/[./:]/g, '.') ?? 'realm'}`, 'i'),
    );
    assert.equal((await policyStatus('rl-pol')).latestTag, undefined);
    const events = await eventLines(kube, 'tagpilot-system');
    const expected = [
      /rate-limited container anno: ScanFailed: .*429/,
      /unavailable container anno: ScanFailed: .*503/,
      /realm-down container anno: ScanFailed: /,
      /deleted container anno: Kept: the registry no longer lists "develop-v1\.9\.0"/,
      /rate-limited container pol: PolicyNotReady: /,
      /marker apps:un-pol in unavailable\.yaml: PolicyNotReady: /,
    ];
    for (const line of expected) assert.match(events, line);
    t.diagnostic(
      events
        .split('\n')
        .filter((line) => line.startsWith('AutomationSkipped'))
        .join('\n'),
    );
  });

  it('an ImagePolicy keeps a latest tag that vanished from the registry; policy.<c> and the marker stay', async () => {
    await waitFor(
      'del-pol at develop-v1.9.0',
      async () => (await policyStatus('del-pol')).latestTag === 'develop-v1.9.0',
      { timeoutMs: 30_000, intervalMs: 200, onTimeout: logs },
    );
    await registry.push.deleteTag('del-pol', 'develop-v1.9.0');
    const scans = new Set<string>();
    const lastBefore = (await policyStatus('del-pol')).lastScanTime;
    await waitFor(
      'three scans of del-pol after the deletion',
      async () => {
        const time = (await policyStatus('del-pol')).lastScanTime;
        if (time && time !== lastBefore) scans.add(time);
        return scans.size >= 3;
      },
      { timeoutMs: 60_000, intervalMs: 200, onTimeout: logs },
    );
    await completedRuns(2);
    const status = await policyStatus('del-pol');
    assert.equal(status.latestTag, 'develop-v1.9.0');
    assert.match(
      status.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
      /latest tag develop-v1\.9\.0 kept although the registry no longer lists it/,
    );
    assert.equal(await file('deleted.yaml'), fixtureText('deleted.yaml'));
  });
});
