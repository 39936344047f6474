// A GitSync's repository as the CLI sees it: a working copy of its url/branch in the CLI's cache
// directory (fetched incrementally on later runs), with the credentials of the GitSync's Secret.
// One CLI process at a time owns a cached copy; a second one clones into a temporary directory.

import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { syncBranch, syncPath } from '../api/defaults.ts';
import type { GitSync } from '../api/types.ts';
import { createGitHttpClient, openRepository, type Repository } from '../git/index.ts';
import type { KubeClient } from '../kube/client.ts';
import {
  findWorkloads,
  type ManifestFile,
  type Problem,
  readManifests,
  type Workload,
} from '../manifests/index.ts';
import { readGitAuth } from '../reconcile/git-credentials.ts';
import { RemoteError } from './errors.ts';

/** An open working copy of a GitSync's branch. */
export interface RepoContext {
  gitsync: GitSync;
  repo: Repository;
  /** The GitSync's path in the repository (default `.`). */
  path: string;
  /** Namespace for workloads whose manifest has none (spec.targetNamespace). */
  targetNamespace: string | undefined;
  close(): Promise<void>;
}

/** Clones or fetches the GitSync's branch with its Secret's credentials. Git failures throw GitError. */
export async function openGitSyncRepository(options: {
  client: KubeClient;
  gitsync: GitSync;
  cacheDir: string;
}): Promise<RepoContext> {
  const { gitsync } = options;
  const namespace = gitsync.metadata.namespace ?? 'default';
  const auth = await readGitAuth(options.client, namespace, gitsync.spec.secretRef?.name);
  if (!auth.ok) throw new RemoteError(`GitSync ${namespace}/${gitsync.metadata.name}: ${auth.message}`);
  const workDir = claimWorkDir(join(options.cacheDir, 'git', namespace, gitsync.metadata.name));
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const close = async () => {
    await agent.close();
    workDir.release();
  };
  try {
    const repo = await openRepository({
      dir: workDir.dir,
      url: gitsync.spec.url,
      branch: syncBranch(gitsync.spec),
      auth: auth.auth,
      http: createGitHttpClient({ dispatcher: agent, userAgent: 'tagpilot-cli' }),
    });
    return {
      gitsync,
      repo,
      path: syncPath(gitsync.spec),
      targetNamespace: gitsync.spec.targetNamespace,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The manifests under the GitSync's path and the workloads in them. */
export interface RepoWorkloads {
  files: ManifestFile[];
  workloads: Workload[];
  /** Files or documents that could not be read (reported, never fatal). */
  problems: Problem[];
}

/** Reads the workloads of the working copy's current commit. */
export async function readWorkloads(context: RepoContext): Promise<RepoWorkloads> {
  const { files, problems } = await context.repo.readFiles(context.path);
  const set = readManifests(files);
  return { files, workloads: findWorkloads(set), problems: [...problems, ...set.problems] };
}

interface WorkDir {
  dir: string;
  release(): void;
}

/**
 * The cached working copy when no live process holds its lock (a stale lock is taken over),
 * else a temporary directory that is removed on release.
 */
function claimWorkDir(dir: string): WorkDir {
  mkdirSync(dir, { recursive: true });
  const lock = `${dir}.lock`;
  const held = { dir, release: () => rmSync(lock, { force: true }) };
  if (tryLock(lock)) return held;
  if (lockIsStale(lock)) {
    rmSync(lock, { force: true });
    if (tryLock(lock)) return held;
  }
  const temp = mkdtempSync(join(tmpdir(), 'tagpilot-cli-'));
  return { dir: temp, release: () => rmSync(temp, { recursive: true, force: true }) };
}

function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch {
    return false;
  }
}

function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists (another user's), so the lock is live.
    return (error as NodeJS.ErrnoException).code !== 'EPERM';
  }
}
