// Which files are manifests, and GitSync paths made safe.
import type { ErrorContext } from './errors.ts';
import { GitError } from './errors.ts';

/** `*.yaml`, `*.yml`, and `Kustomization`, the one kustomization file name without an extension. */
const MANIFEST_PATH = /(?:\.ya?ml|(?:^|\/)Kustomization)$/;

/**
 * True for the files the manifest reader gets: `*.yaml`, `*.yml`, and files named `Kustomization`
 * (kustomize, and so Flux, read that name like `kustomization.yaml`).
 */
export function isManifestPath(path: string): boolean {
  return MANIFEST_PATH.test(path);
}

/** `./apps/` -> `apps`, `.` -> ``; refuses `..` and absolute paths. */
export function normalizeDir(path: string, context: ErrorContext): string {
  const parts = path.split(/[/\\]+/).filter((part) => part !== '' && part !== '.');
  if (path.startsWith('/') || parts.some((part) => part === '..' || part.toLowerCase() === '.git')) {
    throw new GitError(
      'UNSAFE_PATH',
      `read ${context.url}: path ${JSON.stringify(path)} leaves the repository`,
      {
        url: context.url,
        operation: 'read',
      },
    );
  }
  return parts.join('/');
}
