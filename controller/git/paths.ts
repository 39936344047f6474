// Which files are manifests, and GitSync paths made safe.
import type { ErrorContext } from './errors.ts';
import { GitError } from './errors.ts';

const MANIFEST_PATH = /\.ya?ml$/;

/** True for the files the manifest reader gets: `*.yaml` and `*.yml`. */
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
