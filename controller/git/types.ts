// The shapes a working copy hands out and takes in.
import type { HttpClient } from 'isomorphic-git';
import type { GitAuth } from './auth.ts';
import type { CommitSigner } from './commit-signing.ts';
import type { FileSystem } from './context.ts';
import type { ReadLimits } from './read-limits.ts';
import type { SshHttpClientOptions } from './ssh-client.ts';
import type { TreeFile } from './tree.ts';

/** Options of `openRepository`. */
export interface OpenRepositoryOptions {
  /** Cache directory for this repository's working copy; created when missing. Everything in it is tagpilot's. */
  dir: string;
  /**
   * `http(s)://host/path.git`, `ssh://[user@]host[:port]/path` or `[user@]host:path`. Credentials in an
   * http(s) URL are used as Basic auth when `auth` is unset, and never shown. An SSH URL needs
   * `GitSshAuth` credentials.
   */
  url: string;
  /** The branch to sync and, by default, to push to. Default `main`. */
  branch?: string;
  /** Credentials; default none (or those in the URL). */
  auth?: GitAuth;
  /** The HTTP client, from `createGitHttpClient` (unused for SSH URLs). */
  http: HttpClient;
  /** SSH transport settings (timeouts, the push fence). Default: ssh-client.ts defaults, no fence. */
  ssh?: Pick<SshHttpClientOptions, 'readyTimeoutMs' | 'idleMs' | 'fence'>;
  /** File system. Default `node:fs`. */
  fs?: FileSystem;
  /** Re-clone when a fetch has left more than this many packs (every fetch with news adds one). Default 50. */
  maxPacks?: number;
  /** Signs every commit this working copy writes (`loadCommitSigner`). Default none: commits are unsigned. */
  signer?: CommitSigner | undefined;
  /** Caps on what `readFiles` reads. Default `DEFAULT_READ_LIMITS` (10,000 files, 4 MiB each, 64 MiB in all). */
  readLimits?: ReadLimits;
}

/** A commit id and its message. */
export interface HeadCommit {
  oid: string;
  message: string;
}

/** A file of the repository as text (UTF-8). */
export interface TextFile {
  /** Repository-relative path. */
  path: string;
  content: string;
}

/** A file that could not be read as text, and why. */
export interface ReadProblem {
  path: string;
  /** 1-based line (1 for problems of the whole file). */
  line: number;
  message: string;
}

/** The manifests of a path, and the files that could not be read as text. */
export interface ReadFilesResult {
  files: TextFile[];
  problems: ReadProblem[];
}

/** Author (and committer) of a commit. */
export interface CommitAuthor {
  name: string;
  email: string;
}

/** What `readCommitInfo` tells about a commit. */
export interface CommitInfo {
  parents: string[];
  message: string;
  committer: CommitAuthor;
}

/** A commit written locally by `createCommit`, not yet pushed. */
export interface PreparedCommit {
  oid: string;
  parent: string;
  tree: string;
  message: string;
  /** The replaced files with their new bytes. */
  files: { file: TreeFile; bytes: Uint8Array }[];
  dirs: Map<string, string>;
}
