// The file system isomorphic-git gets: its promise API served by the synchronous calls of `fs`.
// isomorphic-git awaits every small file operation in sequence (probe a loose object, list the
// packs, read a ref); through fs.promises each one is a thread-pool round trip, which made a push of
// one commit spend ~100 ms waiting on the pool. Synchronous calls on a local cache directory take
// microseconds each, so blocking the event loop for them costs less than the round trips.
import type { PromiseFsClient } from 'isomorphic-git';
import type { FileSystem } from './context.ts';

/**
 * isomorphic-git wraps the client anew on every API call and probes it with `readFile()` (no
 * arguments) to see whether it returns a promise; answering that probe with one shared rejection
 * instead of a fresh TypeError (and its stack trace) matters when thousands of blobs are read.
 */
const PROBE_ERROR = Object.assign(new Error('readFile needs a path'), { code: 'EINVAL' });

/** A promise-style fs client for isomorphic-git whose calls run synchronously on `fs`. */
export function syncBackedFs(fs: FileSystem): PromiseFsClient {
  const promises = {
    readFile: async (path?: string, options?: { encoding?: BufferEncoding | null } | BufferEncoding) => {
      if (path === undefined) throw PROBE_ERROR;
      return fs.readFileSync(path, typeof options === 'string' ? { encoding: options } : (options ?? {}));
    },
    writeFile: async (
      path: string,
      data: Uint8Array | string,
      options?: { mode?: number } | BufferEncoding,
    ) => fs.writeFileSync(path, data, options),
    mkdir: async (path: string, options?: { recursive?: boolean; mode?: number }) => {
      fs.mkdirSync(path, options);
    },
    rmdir: async (path: string) => fs.rmdirSync(path),
    rm: async (path: string, options?: { recursive?: boolean; force?: boolean }) => fs.rmSync(path, options),
    unlink: async (path: string) => fs.unlinkSync(path),
    stat: async (path: string) => fs.statSync(path),
    lstat: async (path: string) => fs.lstatSync(path),
    readdir: async (path: string) => fs.readdirSync(path),
    readlink: async (path: string) => fs.readlinkSync(path),
    symlink: async (target: string, path: string) => fs.symlinkSync(target, path),
    chmod: async (path: string, mode: number) => fs.chmodSync(path, mode),
  };
  return { promises };
}
