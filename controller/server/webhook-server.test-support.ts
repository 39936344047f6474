// A webhook server on a free loopback port with recording targets, for the route tests.
import pino from 'pino';
import { Registry } from 'prom-client';
import type { GitSync, ImagePolicy } from '../api/types.ts';
import type { HttpLimits } from '../config.ts';
import { startHttpServer } from './http-server.ts';
import { createWebhookCounter } from './webhook-metrics.ts';
import { webhookRoutes } from './webhook-routes.ts';
import type { WebhookTargets } from './webhook-triggers.ts';

export const SECRET = 's3cret-for-route-tests';
const gitSync: GitSync = {
  apiVersion: 'tagpilot.io/v1alpha1',
  kind: 'GitSync',
  metadata: { name: 'demo', namespace: 'ops' },
  spec: { url: 'http://git.example.com/demo.git' },
};
const policy: ImagePolicy = {
  apiVersion: 'tagpilot.io/v1alpha1',
  kind: 'ImagePolicy',
  metadata: { name: 'app', namespace: 'apps' },
  spec: { image: 'registry.example.com/app', policy: { glob: { pattern: '*' } } },
};
export const registryPush = {
  events: [
    { action: 'push', target: { repository: 'app', tag: 'v2' }, request: { host: 'registry.example.com' } },
  ],
};
export const gitPush = {
  ref: 'refs/heads/main',
  repository: { clone_url: 'http://git.example.com/demo.git' },
};

/** Starts a server with both hooks; `calls` records what they triggered. */
export async function serve(
  secret: string | undefined,
  options: { ready?: () => boolean; maxBodyBytes?: number; limits?: HttpLimits } = {},
) {
  const calls: string[] = [];
  const targets: WebhookTargets = {
    ready: options.ready ?? (() => true),
    gitSyncs: () => [gitSync],
    imagePolicies: () => [policy],
    forgetTag: (image) => calls.push(`forget ${image.registry}/${image.repository}:${image.tag}`),
    scanImagePolicy: (key) => calls.push(`scan ${key}`),
    syncGitSync: (key) => calls.push(`sync ${key}`),
    automateGitSync: (key) => calls.push(`automate ${key}`),
  };
  const metrics = new Registry();
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    notReady: () => undefined,
    ...(options.limits ? { limits: options.limits } : {}),
    routes: webhookRoutes({
      secret,
      targets,
      logger: pino({ level: 'silent' }),
      counter: createWebhookCounter(metrics),
      ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    }),
  });
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  return { server, calls, post, metrics };
}
