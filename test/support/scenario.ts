// The seed scenario shared by the demo and the end-to-end tests: tagpilot installed with
// `kubectl apply -k deploy/` plus the single-tenant opt-in (`deploy/single-tenant/`: the controller's
// own ServiceAccount may apply application kinds and read their Secrets, as these one-team scenarios
// need), a Git repository seeded from a fixture (registry host filled in), a Secret with the Git
// credentials, and a GitSync pointing at the repository. Multi-tenant installs are test/tenancy's.
import { join } from 'node:path';
import type { GitServer } from './git-server.ts';
import type { KubeStack } from './kube.ts';
import { waitFor } from './processes.ts';
import type { RegistryStack } from './registry.ts';

const root = join(import.meta.dirname, '..', '..');

/** Options of installScenario. */
export interface ScenarioOptions {
  /** Fixture directory under test/fixtures, e.g. `flux-demo`; also the repository and GitSync name. */
  fixture: string;
  /** GitSync `interval` and `automation.interval` (default 2s). */
  interval?: string;
  /** More placeholders to fill in the fixture's files, placeholder -> value (default none; may override REGISTRY_HOST). */
  replace?: Record<string, string>;
  /** More GitSync spec fields, as YAML lines indented by two spaces (e.g. `  paths: [a, b]\n`). */
  spec?: string;
  /** The GitSync's URL (default the Git server's http URL of the repository), e.g. an SSH URL. */
  url?: string;
  /** The Git Secret's entries (default the Git server's username and password). */
  secret?: Record<string, string>;
  /** `automation.interval` when it differs from `interval` (default: `interval`). */
  automationInterval?: string;
  /** More `automation` fields, as flow-map entries (e.g. `push: {branch: review}`). Default none. */
  automation?: string;
}

/** The Git server a scenario seeds: the test Git server, or a forge such as Gitea. */
export type ScenarioGit = Pick<GitServer, 'createRepo' | 'repoUrl' | 'username' | 'password'>;

/** Seeds the repository, installs tagpilot and the GitSync; returns the controller's kubeconfig (its ServiceAccount). */
export async function installScenario(
  stack: { kube: KubeStack; registry: RegistryStack; git: ScenarioGit },
  options: ScenarioOptions,
): Promise<{ kubeconfig: string }> {
  const { kube, registry, git } = stack;
  const name = options.fixture;
  const interval = options.interval ?? '2s';
  await git.createRepo(name, {
    fromDir: join(root, 'test', 'fixtures', name),
    replace: { REGISTRY_HOST: registry.host, ...options.replace },
  });
  await kube.kubectl(['apply', '-k', join(root, 'deploy')]);
  await kube.kubectl(['apply', '-k', join(root, 'deploy', 'single-tenant')]);
  await kube.kubectl([
    'wait',
    '--for=condition=Established',
    'crd/gitsyncs.tagpilot.io',
    'crd/imagepolicies.tagpilot.io',
    '--timeout=60s',
  ]);
  await createGitAuthSecret(kube, git, `${name}-git-auth`, 'tagpilot-system', options.secret);
  const gitsync = `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: ${name}, namespace: tagpilot-system}
spec:
  url: ${options.url ?? git.repoUrl(name)}
  secretRef: {name: ${name}-git-auth}
  interval: ${interval}
  automation: {interval: ${options.automationInterval ?? interval}${options.automation ? `, ${options.automation}` : ''}}
${options.spec ?? ''}`;
  await kube.kubectl(['apply', '-f', '-'], { input: gitsync });
  return { kubeconfig: await kube.serviceAccountKubeconfig('tagpilot-system', 'tagpilot') };
}

/** The image of `container` in Deployment `namespace/name` ('' when it does not exist yet). */
export async function deploymentImage(
  kube: KubeStack,
  namespace: string,
  name: string,
  container: string,
): Promise<string> {
  const jsonpath = `jsonpath={.spec.template.spec.containers[?(@.name=="${container}")].image}`;
  const result = await kube.kubectl(['get', 'deployment', name, '-n', namespace, '-o', jsonpath], {
    allowFailure: true,
  });
  return result.code === 0 ? result.stdout : '';
}

/** Runs `kubectl scale` to `replicas` and waits until the Deployment is back at `expected`; returns the wait in ms. */
export async function scaleAndAwaitRevert(
  kube: KubeStack,
  target: { namespace: string; name: string; replicas: number; expected: number },
): Promise<number> {
  const { namespace, name } = target;
  await kube.kubectl(['scale', `deployment/${name}`, `--replicas=${target.replicas}`, '-n', namespace]);
  const scaled = Date.now();
  await waitFor(
    `${namespace}/${name} back at ${target.expected} replicas`,
    async () =>
      (await kube.kubectl(['get', 'deployment', name, '-n', namespace, '-o', 'jsonpath={.spec.replicas}']))
        .stdout === String(target.expected),
    { timeoutMs: 10_000, intervalMs: 20 },
  );
  return Date.now() - scaled;
}

/** `reason: message` lines of the Events in `namespace`. */
export async function eventLines(kube: KubeStack, namespace: string): Promise<string> {
  const jsonpath = 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}';
  return (await kube.kubectl(['get', 'events', '-n', namespace, '-o', jsonpath])).stdout;
}

/** One Pod as tests look at it: name, phase, Ready, each container's image, being deleted. */
export interface PodView {
  name: string;
  phase: string;
  ready: boolean;
  /** container name -> image */
  images: Record<string, string>;
  terminating: boolean;
}

/** The Pods matching `selector` in `namespace` (those being deleted included, marked). */
export async function podsOf(kube: KubeStack, namespace: string, selector: string): Promise<PodView[]> {
  const { stdout } = await kube.kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']);
  const list = JSON.parse(stdout) as {
    items: {
      metadata: { name: string; deletionTimestamp?: string };
      spec: { containers: { name: string; image: string }[] };
      status?: { phase?: string; conditions?: { type: string; status: string }[] };
    }[];
  };
  return list.items.map((pod) => ({
    name: pod.metadata.name,
    phase: pod.status?.phase ?? '',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    images: Object.fromEntries(pod.spec.containers.map((c) => [c.name, c.image])),
    terminating: pod.metadata.deletionTimestamp !== undefined,
  }));
}

/** One condition of a GitSync in tagpilot-system (undefined when it has none of that type). */
export async function gitSyncCondition(
  kube: KubeStack,
  name: string,
  type: string,
): Promise<{ status: string; reason: string; message: string } | undefined> {
  const { stdout } = await kube.kubectl(['get', 'gitsync', name, '-n', 'tagpilot-system', '-o', 'json']);
  const conditions = (
    JSON.parse(stdout) as {
      status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
    }
  ).status?.conditions;
  return conditions?.find((condition) => condition.type === type);
}

/**
 * Secret `secret` in `namespace` with Git credentials: the Git server's username and password,
 * or `entries` when given (other key names, an SSH identity, …).
 */
export async function createGitAuthSecret(
  kube: KubeStack,
  git: Pick<GitServer, 'username' | 'password'>,
  secret: string,
  namespace: string,
  entries: Record<string, string> = { username: git.username, password: git.password },
): Promise<void> {
  await kube.kubectl([
    'create',
    'secret',
    'generic',
    secret,
    '-n',
    namespace,
    ...Object.entries(entries).map(([key, value]) => `--from-literal=${key}=${value}`),
  ]);
}
