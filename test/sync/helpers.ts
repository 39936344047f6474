// Shared helpers of the sync integration tests: fixtures, a quiet logger, polling with a deadline.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import type { ManifestFile } from '../../controller/manifests/index.ts';
import type { OwnerRef } from '../../controller/sync/index.ts';
import type { KubeStack } from '../support/kube.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** The flux demo fixture with its registry placeholder filled in. */
export function fluxDemoFiles(registryHost = '127.0.0.1:5000'): ManifestFile[] {
  const dir = join(FIXTURES, 'flux-demo');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({
      path: `flux-demo/${name}`,
      content: readFileSync(join(dir, name), 'utf8').replaceAll('REGISTRY_HOST', registryHost),
    }));
}

/** A logger that prints only when TAGPILOT_TEST_LOG is set (e.g. `debug`). */
export function testLogger(): Logger {
  return pino({ level: process.env.TAGPILOT_TEST_LOG ?? 'silent' });
}

/** A GitSync-like owner for tests. */
export function testOwner(name: string): OwnerRef {
  return { apiVersion: 'tagpilot.io/v1alpha1', kind: 'GitSync', namespace: 'tagpilot-system', name };
}

/** Polls until `check` returns a value other than undefined/false, or fails after the deadline. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await sleep(options.intervalMs ?? 20);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** `kubectl get -o json` of one object, parsed; undefined when it does not exist. */
export async function getJson(
  kube: KubeStack,
  args: string[],
): Promise<(Record<string, unknown> & { metadata: Record<string, unknown> }) | undefined> {
  const { stdout, code } = await kube.kubectl(['get', ...args, '-o', 'json'], { allowFailure: true });
  if (code !== 0) return undefined;
  return JSON.parse(stdout);
}

/** One document per object: YAML documents joined with `---`. */
export function yamlFile(path: string, ...documents: string[]): ManifestFile {
  return { path, content: documents.join('\n---\n') };
}

/** Like getJson, but the object must exist. */
export async function mustGetJson(
  kube: KubeStack,
  args: string[],
): Promise<Record<string, unknown> & { metadata: Record<string, unknown> }> {
  const object = await getJson(kube, args);
  if (!object) throw new Error(`kubectl get ${args.join(' ')}: not found`);
  return object;
}
