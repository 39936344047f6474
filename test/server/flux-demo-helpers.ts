// Small readers of the flux demo scenario's state, shared by the server tests.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitServer } from '../support/git-server.ts';
import type { KubeStack } from '../support/kube.ts';
import { makeTempDir } from '../support/processes.ts';

/** The image the fluxdemo Deployment's flask container runs in the cluster ('' when absent). */
export async function flaskImage(kube: KubeStack): Promise<string> {
  const { stdout } = await kube.kubectl(
    [
      'get',
      'deployment',
      'fluxdemo',
      '-n',
      'my-demo',
      '-o',
      'jsonpath={.spec.template.spec.containers[?(@.name=="flask")].image}',
    ],
    { allowFailure: true },
  );
  return stdout;
}

/** spec.replicas of the fluxdemo Deployment in the cluster. */
export async function replicas(kube: KubeStack): Promise<string> {
  const { stdout } = await kube.kubectl(
    ['get', 'deployment', 'fluxdemo', '-n', 'my-demo', '-o', 'jsonpath={.spec.replicas}'],
    { allowFailure: true },
  );
  return stdout;
}

/** Subject of the newest commit on main of the flux-demo repository. */
export async function lastSubject(git: GitServer): Promise<string> {
  return (await git.gitIn('flux-demo', ['log', '-1', '--format=%s', 'main'])).trim();
}

/** A fresh random secret written to a file (with the trailing newline a Secret mount often has). */
export function writeSecretFile(): { secret: string; path: string; dir: string } {
  const secret = randomBytes(24).toString('hex');
  const dir = makeTempDir('webhook-secret');
  const path = join(dir, 'webhook-secret');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return { secret, path, dir };
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
