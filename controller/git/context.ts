// What every part of a working copy needs: the file system, where the copy lives, isomorphic-git's
// object cache, and the (credential-free) URL for error messages.
import type * as NodeFs from 'node:fs';
import type { PromiseFsClient } from 'isomorphic-git';

/** The file system: `node:fs` or anything with the same sync and promise API (for isomorphic-git). */
export type FileSystem = typeof NodeFs;

/** Shared by the modules of one working copy. */
export interface GitContext {
  fs: FileSystem;
  /** The same file system as isomorphic-git's client (see sync-fs.ts). */
  gitFs: PromiseFsClient;
  /** The working copy directory; the Git directory is `<dir>/.git`. */
  dir: string;
  /** isomorphic-git's cache object (parsed pack indexes and packs), kept for the copy's lifetime. */
  cache: object;
  /** The repository URL without credentials. */
  url: string;
}
