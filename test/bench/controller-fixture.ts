// The controller process on the shared kube-apiserver and Git server, set up once for the
// scenarios that need it (scale revert, tag push to cluster, RSS): the flux demo (installScenario,
// 1 s intervals) plus a GitSync of 1,000 objects (automation off), and a registry of its own whose
// push notifications go through a relay in this process, so the webhook can be switched on and off
// between runs without restarting anything.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import { type ControllerProcess, startController } from '../support/controller-process.ts';
import type { GitServer } from '../support/git-server.ts';
import type { KubeStack } from '../support/kube.ts';
import { makeTempDir, removeTempDir, waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { createGitAuthSecret, installScenario } from '../support/scenario.ts';
import type { BenchStack } from './stack.ts';
import { BENCH_OBJECTS, createNamespaces, writeManifests } from './sync.ts';

/** Namespace prefix of the 1,000 managed objects (`managed-0..3`). */
export const MANAGED_PREFIX = 'managed';
const MANAGED_GITSYNC = 'bench-managed';
const SYSTEM_NAMESPACE = 'tagpilot-system';

/** Forwards registry notifications to the controller while `enabled`; drops them otherwise. */
export interface WebhookRelay {
  /** http://127.0.0.1:<port>/hooks/registry, the registry's notification endpoint. */
  readonly url: string;
  /** Where notifications go when enabled. */
  target: string | undefined;
  enabled: boolean;
  /** Notifications forwarded so far and the statuses the controller answered. */
  readonly forwarded: number[];
  close(): Promise<void>;
}

/** The running controller and what it runs against. */
export interface ControllerFixture {
  kube: KubeStack;
  git: GitServer;
  /** The controller's own registry (notifications go to the relay). */
  registry: RegistryStack;
  controller: ControllerProcess;
  relay: WebhookRelay;
  /** Whether this checkout has the `/hooks/registry` route (the controller got a webhook secret). */
  webhooks: boolean;
  apps: AppsV1Api;
  /** A number never handed out before in this fixture, for fresh tags. */
  nextBuild(): number;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

async function readRequest(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function startRelay(): Promise<WebhookRelay> {
  const forwarded: number[] = [];
  const relay = { url: '', target: undefined as string | undefined, enabled: false, forwarded };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readRequest(req);
    if (!relay.enabled || relay.target === undefined) {
      res.writeHead(200).end();
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const response = await fetch(relay.target, { method: 'POST', headers, body });
    await response.arrayBuffer();
    forwarded.push(response.status);
    res.writeHead(response.status).end();
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/registry`;
  return Object.assign(relay, {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** True when controller/server has a `/hooks/registry` route. */
export function hasRegistryWebhook(): boolean {
  const dir = join(import.meta.dirname, '..', '..', 'controller', 'server');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .some((file) => readFileSync(join(dir, file), 'utf8').includes('/hooks/registry'));
}

async function installManagedGitSync(kube: KubeStack, git: GitServer, dir: string): Promise<void> {
  writeManifests(MANAGED_PREFIX, dir);
  await git.createRepo(MANAGED_GITSYNC, { fromDir: dir });
  await createNamespaces(kube, MANAGED_PREFIX);
  await createGitAuthSecret(kube, git, `${MANAGED_GITSYNC}-git-auth`, SYSTEM_NAMESPACE);
  const gitsync = `apiVersion: tagpilot.io/v1alpha1
kind: GitSync
metadata: {name: ${MANAGED_GITSYNC}, namespace: ${SYSTEM_NAMESPACE}}
spec:
  url: ${git.repoUrl(MANAGED_GITSYNC)}
  secretRef: {name: ${MANAGED_GITSYNC}-git-auth}
  interval: 1m
  automation: {enabled: false}
`;
  await kube.kubectl(['apply', '-f', '-'], { input: gitsync });
}

/** Inventory size and Ready status of a GitSync. */
export async function gitSyncState(
  kube: KubeStack,
  name: string,
): Promise<{ inventory: number; ready: string }> {
  const { stdout } = await kube.kubectl(['get', 'gitsync', name, '-n', SYSTEM_NAMESPACE, '-o', 'json']);
  const status = (
    JSON.parse(stdout) as {
      status?: { inventory?: unknown[]; conditions?: { type: string; status: string }[] };
    }
  ).status;
  return {
    inventory: status?.inventory?.length ?? 0,
    ready: status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown',
  };
}

/** Sets the flux demo GitSync's Git and automation intervals. */
export async function setFluxDemoIntervals(kube: KubeStack, interval: string): Promise<void> {
  const patch = JSON.stringify({ spec: { interval, automation: { interval } } });
  await kube.kubectl(['patch', 'gitsync', 'flux-demo', '-n', SYSTEM_NAMESPACE, '--type=merge', '-p', patch]);
}

async function createFixture(
  stack: BenchStack,
): Promise<{ value: ControllerFixture; cleanup: () => Promise<void> }> {
  const temp = makeTempDir('bench-controller');
  const relay = await startRelay();
  const webhooks = hasRegistryWebhook();
  const secret = randomBytes(24).toString('hex');
  const secretFile = join(temp, 'webhook-secret');
  writeFileSync(secretFile, `${secret}\n`);
  const registry = await startRegistry({
    notifyUrl: relay.url,
    notifyHeaders: { Authorization: `Bearer ${secret}` },
  });
  let controller: ControllerProcess | undefined;
  const cleanup = async () => {
    await controller?.stop();
    await registry.stop();
    await relay.close();
    removeTempDir(temp);
  };
  try {
    const [kube, git] = await Promise.all([stack.kube(), stack.git()]);
    await registry.push.pushImage('flaskapp', 'develop-v1.8.0', { created: '2026-01-01T00:00:00Z' });
    const { kubeconfig } = await installScenario(
      { kube, registry, git },
      { fixture: 'flux-demo', interval: '1s' },
    );
    await installManagedGitSync(kube, git, join(temp, 'managed'));
    controller = await startController({
      kubeconfig,
      name: 'bench-controller',
      args: ['--log-level=info', ...(webhooks ? [`--webhook-secret-file=${secretFile}`] : [])],
    });
    relay.target = `http://127.0.0.1:${controller.port}/hooks/registry`;
    const running = controller;
    await waitFor(
      `GitSync ${MANAGED_GITSYNC} to apply ${BENCH_OBJECTS} objects`,
      async () => {
        const state = await gitSyncState(kube, MANAGED_GITSYNC);
        return state.inventory === BENCH_OBJECTS && state.ready === 'True';
      },
      { timeoutMs: 300_000, intervalMs: 1000, onTimeout: () => running.process.logTail(30) },
    );
    await waitFor(
      'GitSync flux-demo Ready',
      async () => (await gitSyncState(kube, 'flux-demo')).ready === 'True',
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        onTimeout: () => running.process.logTail(30),
      },
    );
    let build = 0;
    const value: ControllerFixture = {
      kube,
      git,
      registry,
      controller,
      relay,
      webhooks,
      apps: kube.kubeConfig.makeApiClient(AppsV1Api),
      nextBuild: () => build++,
    };
    return { value, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The controller fixture, created on first use and stopped with the stack. */
export function controllerFixture(stack: BenchStack): Promise<ControllerFixture> {
  return stack.shared('controller', () => createFixture(stack));
}

/** VmRSS and VmHWM of a process in MB (from /proc/<pid>/status). */
export function processMemory(pid: number): {
  rss: number;
  hwm: number;
  /** Anonymous memory (heaps, malloc, stacks) and file pages mapped (the node binary's code and data). */
  anon: number;
  file: number;
  threads: number;
} {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return {
    rss: field('VmRSS') / 1024,
    hwm: field('VmHWM') / 1024,
    anon: field('RssAnon') / 1024,
    file: field('RssFile') / 1024,
    threads: field('Threads'),
  };
}
