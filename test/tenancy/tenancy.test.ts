// Promise 4, "nobody in where they don't belong", on a real API server with RBAC and a real registry:
// two teams, two namespaces, two GitSyncs acting as their own ServiceAccounts (team A's through the
// controller's --default-service-account, team B's through spec.serviceAccountName), each bound to a
// small Role in its own namespace only, and the controller run with --no-cross-namespace-refs. Team
// A's repository tries to write into team B's namespace, into kube-system and a ClusterRoleBinding,
// and names team B's ImagePolicy (annotation and marker) and pull secret: each is refused, naming the
// object and the rule, nothing is written or committed, and team A's own objects are applied and
// kept (drift reverted). The default install's controller cannot read a Secret with its own rights.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, json } from '../cli/run-cli.ts';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { eventLines, scaleAndAwaitRevert } from '../support/scenario.ts';

const root = join(import.meta.dirname, '..', '..');
const controllerSa = '--as=system:serviceaccount:tagpilot-system:tagpilot';

const teamAOwn = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team-a}
data:
  mode: a
  image: REGISTRY_HOST/web:1.0.0 # {"$imagepolicy": "team-b:web"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {tagpilot.io/automated: 'true', tagpilot.io/policy.web: team-b/web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: REGISTRY_HOST/web:1.0.0}
`;

const teamBPolicy = `apiVersion: tagpilot.io/v1alpha1
kind: ImagePolicy
metadata: {name: web, namespace: team-b}
spec:
  image: REGISTRY_HOST/web
  interval: 2s
  policy: {semver: {range: ">=1.0.0"}}
`;

const teamAIntrusions = `apiVersion: v1
kind: ConfigMap
metadata: {name: stolen, namespace: team-b}
data: {owner: team-a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: evil, namespace: kube-system}
data: {owner: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: team-a-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: team-a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: spy, namespace: team-b}
spec:
  selector: {matchLabels: {app: spy}}
  template:
    metadata: {labels: {app: spy}}
    spec:
      imagePullSecrets: [{name: regcred}]
      containers:
      - {name: spy, image: example.test/spy:1.0.0}
`;

const teamBOwn = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: b}
`;

/** What a team's deployer may do, in its own namespace only. */
const deployerRole = (namespace: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: ${namespace}}
rules:
- apiGroups: [""]
  resources: [configmaps, secrets, serviceaccounts]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: ${namespace}}
`;

describe('tenancy: a GitSync can do only what its ServiceAccount may do', () => {
  let kube: KubeStack;
  let git: GitServer;
  let registry: RegistryStack;
  let controller: ControllerProcess | undefined;
  let seedDir: string;
  const logTail = () => controller?.process.logTail(60) ?? '';
  const exists = async (args: string[]) =>
    (await kube.kubectl(['get', ...args], { allowFailure: true })).code === 0;

  before(async () => {
    [kube, git, registry] = await Promise.all([startKube(), startGitServer(), startRegistry()]);
    await registry.push.pushImage('web', ['1.0.0', '1.1.0']);
    seedDir = makeTempDir('tenancy-seed');
    const seed = (name: string, files: Record<string, string>) => {
      const dir = join(seedDir, name);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      return git.createRepo(name, { fromDir: dir, replace: { REGISTRY_HOST: registry.host } });
    };
    await seed('team-a-apps', { 'own.yaml': teamAOwn, 'intrusions.yaml': teamAIntrusions });
    await seed('team-b-apps', { 'own.yaml': teamBOwn });

    await kube.kubectl(['apply', '-k', join(root, 'deploy')]);
    await kube.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/gitsyncs.tagpilot.io',
      'crd/imagepolicies.tagpilot.io',
      '--timeout=60s',
    ]);
    for (const team of ['team-a', 'team-b']) {
      await kube.kubectl(['create', 'namespace', team]);
      await kube.kubectl(['create', 'serviceaccount', 'deployer', '-n', team]);
      // A small Role rather than `edit`: aggregated ClusterRoles stay empty without kube-controller-manager.
      await kube.kubectl(['apply', '-f', '-'], { input: deployerRole(team) });
      await kube.kubectl([
        'create',
        'secret',
        'generic',
        'git-auth',
        '-n',
        team,
        `--from-literal=username=${git.username}`,
        `--from-literal=password=${git.password}`,
      ]);
    }
    await kube.kubectl([
      'create',
      'secret',
      'docker-registry',
      'regcred',
      '-n',
      'team-b',
      '--docker-server=example.test',
      '--docker-username=team-b',
      '--docker-password=team-b-registry-password',
    ]);
    const gitsyncs = `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: apps, namespace: team-a}
spec:
  url: ${git.repoUrl('team-a-apps')}
  secretRef: {name: git-auth}
  interval: 2s
  automation: {interval: 2s}
---
apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: apps, namespace: team-b}
spec:
  url: ${git.repoUrl('team-b-apps')}
  secretRef: {name: git-auth}
  serviceAccountName: deployer
  targetNamespace: team-b
  interval: 2s
`;
    // Made by hand before tagpilot: the GitSync adopts it, visibly.
    await kube.kubectl(['create', 'configmap', 'settings', '-n', 'team-a', '--from-literal=mode=by-hand']);
    await kube.kubectl(['apply', '-f', '-'], { input: gitsyncs });
    await kube.kubectl(['apply', '-f', '-'], {
      input: teamBPolicy.replaceAll('REGISTRY_HOST', registry.host),
    });
    controller = await startController({
      kubeconfig: await kube.serviceAccountKubeconfig('tagpilot-system', 'tagpilot'),
      args: ['--default-service-account=deployer', '--no-cross-namespace-refs'],
    });
  });

  after(async () => {
    await controller?.stop();
    if (seedDir) removeTempDir(seedDir);
    await Promise.allSettled([kube?.stop(), git?.stop(), registry?.stop()]);
  });

  it('the default install cannot read Secrets or write workloads with its own rights', async () => {
    for (const args of [
      ['get', 'secrets', '-A'],
      ['get', 'secrets', '-n', 'team-a'],
      ['list', 'secrets', '-A'],
      ['create', 'deployments.apps', '-n', 'team-a'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
      ['impersonate', 'groups'],
    ]) {
      const result = await kube.kubectl(['auth', 'can-i', ...args, controllerSa], { allowFailure: true });
      assert.equal(result.stdout.trim(), 'no', `the controller can ${args.join(' ')}`);
    }
  });

  it("applies each team's own objects as its ServiceAccount", async () => {
    await waitFor(
      "team A's ConfigMap and Deployment and team B's ConfigMap",
      async () =>
        (await exists(['configmap', 'settings', '-n', 'team-a'])) &&
        (await exists(['deployment', 'web', '-n', 'team-a'])) &&
        (await exists(['configmap', 'settings', '-n', 'team-b'])),
      { timeoutMs: 60_000, onTimeout: logTail },
    );
    const managers = (await kube.kubectl(['get', 'configmap', 'settings', '-n', 'team-b', '-o', 'json']))
      .stdout;
    assert.match(managers, /"mode": "b"/, "team B's object is team B's, not overwritten by team A");
  });

  it("refuses team A's objects in team B and kube-system (the flag) and its ClusterRoleBinding (RBAC)", async () => {
    const confined = ['ConfigMap team-b/stolen', 'ConfigMap kube-system/evil', 'Deployment team-b/spy'];
    const forbidden = 'ClusterRoleBinding team-a-admin';
    let events = '';
    await waitFor(
      'an ApplyFailed event for each refused object',
      async () => {
        events = await eventLines(kube, 'team-a');
        return [...confined, forbidden].every((object) => events.includes(`ApplyFailed: ${object}: `));
      },
      { timeoutMs: 30_000, onTimeout: () => `${events}\n${logTail()}` },
    );
    const lineOf = (object: string) =>
      events.split('\n').find((l) => l.startsWith(`ApplyFailed: ${object}: `)) ?? '';
    for (const object of confined) {
      const namespace = object.split(' ')[1]?.split('/')[0] ?? '';
      assert.ok(
        lineOf(object).includes(
          `refused: namespace ${namespace} is not the GitSync's namespace team-a (--no-cross-namespace-refs)`,
        ),
        lineOf(object),
      );
    }
    assert.match(lineOf(forbidden), /forbidden: User "system:serviceaccount:team-a:deployer" cannot/);
    const gitsync = JSON.parse(
      (await kube.kubectl(['get', 'gitsync', 'apps', '-n', 'team-a', '-o', 'json'])).stdout,
    ) as {
      status?: {
        conditions?: { type: string; status: string; reason: string; message: string }[];
        inventory?: { id: string }[];
      };
    };
    const condition = gitsync.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(condition?.status, 'False', JSON.stringify(condition));
    assert.equal(condition?.reason, 'ApplyFailed');
    assert.match(condition?.message ?? '', /\(and 3 more\)/);
    // A refused object stays in the inventory, so it is never pruned on its account.
    assert.ok(
      gitsync.status?.inventory?.some((e) => e.id === 'team-b_stolen__ConfigMap'),
      JSON.stringify(gitsync.status?.inventory),
    );

    assert.equal(await exists(['configmap', 'stolen', '-n', 'team-b']), false);
    assert.equal(await exists(['configmap', 'evil', '-n', 'kube-system']), false);
    assert.equal(await exists(['clusterrolebinding', 'team-a-admin']), false);
    assert.equal(await exists(['deployment', 'spy', '-n', 'team-b']), false);
  });

  it("does not follow team A's references to team B's ImagePolicy or read team B's pull secret", async () => {
    const latest = () =>
      kube.kubectl(['get', 'imagepolicy', 'web', '-n', 'team-b', '-o', 'jsonpath={.status.latestTag}']);
    await waitFor(
      "team B's ImagePolicy to choose 1.1.0 (what team A would get without the flag)",
      async () => (await latest()).stdout === '1.1.0',
      { timeoutMs: 30_000, onTimeout: logTail },
    );
    const expected = [
      'AutomationSkipped: Deployment web container web: CrossNamespaceRef: refused: ImagePolicy team-b/web is not in namespace team-a (--no-cross-namespace-refs)',
      'AutomationSkipped: marker team-b:web in own.yaml: CrossNamespaceRef: refused: ImagePolicy team-b/web is not in namespace team-a (--no-cross-namespace-refs)',
      "AutomationSkipped: Deployment team-b/spy: pull secrets not read: refused: namespace team-b is not the GitSync's namespace team-a (--no-cross-namespace-refs)",
    ];
    let events = '';
    await waitFor(
      'an AutomationSkipped event for each refused reference',
      async () => {
        events = await eventLines(kube, 'team-a');
        return expected.every((line) => events.includes(line));
      },
      { timeoutMs: 30_000, onTimeout: () => `${events}\n${logTail()}` },
    );
    assert.doesNotMatch(events, /team-b-registry-password/);
    const subjects = await git.gitIn('team-a-apps', ['log', '--format=%s', 'main']);
    assert.doesNotMatch(subjects, /Auto-release/, "nothing was committed from team B's policy");
    const image = await kube.kubectl([
      'get',
      'deployment',
      'web',
      '-n',
      'team-a',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    assert.equal(image.stdout, `${registry.host}/web:1.0.0`);
  });

  it('says which objects it adopted, and from which field managers (event and tagpilot status)', async () => {
    let events = '';
    await waitFor(
      'an Adopted event for the ConfigMap made by hand',
      async () => {
        events = await eventLines(kube, 'team-a');
        return events.includes(
          "Adopted: ConfigMap team-a/settings: adopted (it existed without tagpilot's ownership label); previous field managers: kubectl-create",
        );
      },
      { timeoutMs: 30_000, onTimeout: () => `${events}\n${logTail()}` },
    );
    assert.doesNotMatch(
      events,
      /Adopted: Deployment team-a\/web/,
      'an object tagpilot created is not adopted',
    );
    const data = await kube.kubectl([
      'get',
      'configmap',
      'settings',
      '-n',
      'team-a',
      '-o',
      'jsonpath={.data.mode}',
    ]);
    assert.equal(data.stdout, 'a');
    const cacheHome = makeTempDir('tenancy-cli');
    try {
      const status = cli({ cacheHome, kubeconfig: kube.kubeconfigPath });
      let report: { gitsyncs: { namespace: string; adopted: { count: number; objects: string[] } }[] } = {
        gitsyncs: [],
      };
      await waitFor(
        'tagpilot status to list the adopted ConfigMap',
        async () => {
          report = json(await status(['status', '-o', 'json']));
          return report.gitsyncs.some((g) => g.namespace === 'team-a' && g.adopted.count === 1);
        },
        { timeoutMs: 20_000, onTimeout: () => JSON.stringify(report) },
      );
      const teamA = report.gitsyncs.find((g) => g.namespace === 'team-a');
      assert.deepEqual(teamA?.adopted, { count: 1, objects: ['ConfigMap team-a/settings'] });
      assert.deepEqual(report.gitsyncs.find((g) => g.namespace === 'team-b')?.adopted, {
        count: 0,
        objects: [],
      });
      const table = await status(['status']);
      assert.match(table.stdout, /team-a\/apps: adopted 1: ConfigMap team-a\/settings/);
    } finally {
      removeTempDir(cacheHome);
    }
  });

  it("keeps team A's own objects as in Git: drift is reverted through namespace-scoped watches", async () => {
    const waited = await scaleAndAwaitRevert(kube, {
      namespace: 'team-a',
      name: 'web',
      replicas: 3,
      expected: 1,
    });
    assert.ok(waited < 10_000, `took ${waited} ms`);
  });
});
