// Flux v2's source-controller and kustomize-controller (built by `scripts/build-binaries.sh
// --with-bench`) as processes against the bench's kube-apiserver: their CRDs, a ServiceAccount of
// their own with cluster-admin (as Flux's install gives them), and the flags that make them run
// outside a cluster. source-controller serves the artifacts kustomize-controller fetches over HTTP.
import { existsSync, mkdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeStack } from '../support/kube.ts';
import {
  binary,
  freePort,
  type ManagedProcess,
  makeTempDir,
  removeTempDir,
  startProcess,
  waitFor,
} from '../support/processes.ts';

/** The namespace Flux runs in, and where its GitRepository and Kustomization live. */
export const FLUX_NAMESPACE = 'flux-system';
const SERVICE_ACCOUNT = 'flux-bench';
const CONTROLLERS = ['source-controller', 'kustomize-controller'] as const;

/** The two running controllers. */
export interface FluxControllers {
  source: ManagedProcess;
  kustomize: ManagedProcess;
  /** e.g. `source-controller v1.9.3, kustomize-controller v1.9.6`. */
  versions: string;
  /** The last lines of both logs, for error messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Why Flux cannot run here (a binary or its CRDs not built), or undefined when it can. */
export function fluxMissing(): string | undefined {
  for (const name of CONTROLLERS) {
    if (!existsSync(binary(name)) || !existsSync(binary(`${name}-crds`))) {
      return `${name} not built (scripts/build-binaries.sh --with-bench)`;
    }
  }
  return undefined;
}

/** `source-controller v1.9.3, …` from the versioned files the stable names point at. */
function versions(): string {
  return CONTROLLERS.map((name) => {
    const target = readlinkSync(binary(name));
    return `${name} ${target.slice(name.length + 1) || 'unversioned'}`;
  }).join(', ');
}

/**
 * Installs Flux's CRDs, the flux-system namespace and a cluster-admin ServiceAccount; returns a
 * kubeconfig with that account's token. Idempotent.
 */
export async function installFlux(kube: KubeStack): Promise<string> {
  for (const name of CONTROLLERS) {
    // Server-side: the CRDs are larger than the last-applied annotation allows.
    // realpath: kubectl does not read a directory through a symlink.
    const crds = realpathSync(binary(`${name}-crds`));
    await kube.kubectl(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  }
  await kube.kubectl([
    'wait',
    '--for=condition=Established',
    'crd/gitrepositories.source.toolkit.fluxcd.io',
    'crd/kustomizations.kustomize.toolkit.fluxcd.io',
    '--timeout=60s',
  ]);
  await kube.kubectl(['apply', '-f', '-'], {
    input: `apiVersion: v1
kind: Namespace
metadata: {name: ${FLUX_NAMESPACE}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ${SERVICE_ACCOUNT}, namespace: ${FLUX_NAMESPACE}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${SERVICE_ACCOUNT}-cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ${SERVICE_ACCOUNT}, namespace: ${FLUX_NAMESPACE}}]
`,
  });
  return kube.serviceAccountKubeconfig(FLUX_NAMESPACE, SERVICE_ACCOUNT);
}

async function startOne(
  name: (typeof CONTROLLERS)[number],
  dir: string,
  kubeconfig: string,
  extraArgs: string[],
): Promise<ManagedProcess> {
  const [metrics, health] = [await freePort(), await freePort()];
  const controller = startProcess({
    name,
    command: binary(name),
    args: [
      `--metrics-addr=127.0.0.1:${metrics}`,
      `--health-addr=127.0.0.1:${health}`,
      '--enable-leader-election=false',
      '--watch-all-namespaces=true',
      // No notification-controller (the module proxy does not serve it): events go nowhere.
      '--events-addr=',
      '--log-level=info',
      ...extraArgs,
    ],
    logFile: join(dir, `${name}.log`),
    env: { ...process.env, KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: FLUX_NAMESPACE },
  });
  let exited = false;
  void controller.exited.then(() => {
    exited = true;
  });
  await waitFor(
    `${name} /readyz`,
    async () => {
      if (exited) throw new Error(`${name} exited`);
      return (await fetch(`http://127.0.0.1:${health}/readyz`)).ok;
    },
    { timeoutMs: 60_000, intervalMs: 100, onTimeout: () => controller.logTail() },
  );
  return controller;
}

/**
 * Starts source-controller (artifacts stored in a temp dir and served on a free loopback port),
 * then kustomize-controller, both with their default concurrency and API client limits (qps 50,
 * burst 300) and no leader election; resolves when both are ready.
 */
export async function startFlux(kubeconfig: string): Promise<FluxControllers> {
  const dir = makeTempDir('flux');
  const storage = `127.0.0.1:${await freePort()}`;
  const artifacts = join(dir, 'artifacts');
  mkdirSync(artifacts);
  const started: ManagedProcess[] = [];
  const stop = async () => {
    for (const controller of started.reverse()) await controller.stop();
    removeTempDir(dir);
  };
  try {
    const source = await startOne('source-controller', dir, kubeconfig, [
      `--storage-path=${artifacts}`,
      `--storage-addr=${storage}`,
      `--storage-adv-addr=${storage}`,
    ]);
    started.push(source);
    const kustomize = await startOne('kustomize-controller', dir, kubeconfig, []);
    started.push(kustomize);
    return {
      source,
      kustomize,
      versions: versions(),
      logTail: (lines = 15) =>
        `source-controller:\n${source.logTail(lines)}\nkustomize-controller:\n${kustomize.logTail(lines)}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
