// A GitSync's repository as the CLI sees it: a working copy of its url/branch in the CLI's cache
// directory (fetched incrementally on later runs), with the credentials of the GitSync's Secret;
// running a read-only step over the repository of every GitSync in scope; and finding the
// repository that holds a `--workload`. One CLI process at a time owns a cached copy; a second one
// clones into a temporary directory. With one GitSync named, its failure is the command's failure;
// across many, each failure is reported on stderr and the others still run.
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { syncBranch, syncPaths } from '../api/defaults.ts';
import type { GitSync } from '../api/types.ts';
import { type CommitSigner, createGitHttpClient, openRepository, type Repository } from '../git/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { readGitAuth, readSigningKey, readTlsSettings } from '../kube/secrets.ts';
import { readSshIdentity } from '../kube/ssh-identity.ts';
import {
  findWorkloads,
  type ManifestFile,
  type Problem,
  readManifests,
  type Workload,
} from '../manifests/index.ts';
import { resolveCredentials } from '../reconcile/gitsync-credentials.ts';
import { signingSetupOf } from '../reconcile/gitsync-signing.ts';
import { tlsConnector } from '../util/tls-agents.ts';
import { describeError, EXIT, exitCodeFor, RemoteError, UsageError } from './errors.ts';
import { gitSyncKey, gitSyncsInScope } from './gitsyncs.ts';
import type { KubeContext } from './kube-context.ts';
import type { Streams } from './output.ts';
import { findWorkload, matchWorkloads, type WorkloadSelector, workloadId } from './workload-ref.ts';

/** An open working copy of a GitSync's branch. */
export interface RepoContext {
  gitsync: GitSync;
  repo: Repository;
  /** The GitSync's paths in the repository (default `.`). */
  path: readonly string[];
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
  // The CLI uses the key the controller made (it makes none itself: that is `tagpilot identity`).
  const credentials = await resolveCredentials(
    gitsync,
    auth.auth,
    {
      sshIdentity: async (_, owner) => {
        const pair = await readSshIdentity(options.client, owner);
        if (pair === undefined)
          throw new Error(`no SSH identity yet; run \`tagpilot identity ${namespace}/${owner.name}\``);
        return pair;
      },
    },
    undefined,
  );
  if (!credentials.ok)
    throw new RemoteError(`GitSync ${namespace}/${gitsync.metadata.name}: ${credentials.message}`);
  // The GitSync's own CA bundle and client certificate (certSecretRef), as the controller uses them.
  const tls = await readTlsSettings(options.client, namespace, gitsync.spec);
  if (!tls.ok) throw new RemoteError(`GitSync ${namespace}/${gitsync.metadata.name}: ${tls.message}`);
  const signer = await cliSigner(options.client, gitsync);
  const workDir = claimWorkDir(join(options.cacheDir, 'git', namespace, gitsync.metadata.name));
  const agent = new Agent({ keepAliveTimeout: 10_000, connect: tlsConnector(tls.settings, undefined) });
  const close = async () => {
    await agent.close();
    workDir.release();
  };
  try {
    const repo = await openRepository({
      dir: workDir.dir,
      url: gitsync.spec.url,
      branch: syncBranch(gitsync.spec),
      auth: credentials.auth,
      http: createGitHttpClient({ dispatcher: agent, userAgent: 'tagpilot-cli' }),
      signer,
    });
    return {
      gitsync,
      repo,
      path: syncPaths(gitsync.spec),
      targetNamespace: gitsync.spec.targetNamespace,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The signer of the GitSync's commits, as the controller has it. A key that cannot sign gives a
 * signer that refuses (`SIGNING_FAILED` at the first commit, nothing pushed), so read-only commands
 * still work and an edit is never committed unsigned.
 */
async function cliSigner(client: KubeClient, gitsync: GitSync): Promise<CommitSigner | undefined> {
  const namespace = gitsync.metadata.namespace ?? 'default';
  // Named is enough: the CLI commits even when the GitSync's automation is off.
  const secretName = gitsync.spec.automation?.commit?.signingKey?.secretRef?.name;
  const read = await readSigningKey(client, namespace, secretName);
  const setup = await signingSetupOf(read);
  if ('signer' in setup) return setup.signer;
  return {
    format: read.ok && read.key ? read.key.format : 'openpgp',
    fingerprint: 'that cannot be loaded',
    sign: async () => {
      throw new Error(`the signing key cannot be used: ${setup.problem}`);
    },
  };
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

/** The results of the GitSyncs that worked, and the exit code the failures call for (0 when none). */
export interface ScopeResult<T> {
  results: T[];
  exitCode: number;
}

/** Opens each GitSync's repository in turn and runs `step` on it. */
export async function forEachRepository<T>(options: {
  kube: KubeContext;
  gitsync: string | undefined;
  cacheDir: string;
  streams: Streams;
  command: string;
  step: (context: RepoContext) => Promise<T>;
}): Promise<ScopeResult<T>> {
  const gitsyncs = await gitSyncsInScope(options.kube, options.gitsync);
  const results: T[] = [];
  let exitCode: number = EXIT.OK;
  for (const gitsync of gitsyncs) {
    try {
      const context = await openGitSyncRepository({
        client: options.kube.client,
        gitsync,
        cacheDir: options.cacheDir,
      });
      try {
        results.push(await options.step(context));
      } finally {
        await context.close();
      }
    } catch (error) {
      if (options.gitsync !== undefined) throw error;
      options.streams.stderr.write(
        `tagpilot ${options.command}: gitsync ${gitSyncKey(gitsync)}: ${describeError(error)}\n`,
      );
      exitCode = Math.max(exitCode, exitCodeFor(error));
    }
  }
  if (gitsyncs.length === 0) options.streams.stderr.write(`tagpilot ${options.command}: no GitSyncs found\n`);
  return { results, exitCode };
}

/** An open repository and the workload found in it; the caller closes `context`. */
export interface LocatedWorkload {
  context: RepoContext;
  found: RepoWorkloads;
  workload: Workload;
}

/** Opens the repository that has the workload. */
export async function locateWorkload(options: {
  kube: KubeContext;
  gitsync: string | undefined;
  selector: WorkloadSelector;
  cacheDir: string;
}): Promise<LocatedWorkload> {
  const { kube, selector } = options;
  const gitsyncs = await gitSyncsInScope(kube, options.gitsync);
  const hits: { context: RepoContext; found: RepoWorkloads }[] = [];
  const known: string[] = [];
  const failures: string[] = [];
  for (const gitsync of gitsyncs) {
    let context: RepoContext;
    try {
      context = await openGitSyncRepository({ client: kube.client, gitsync, cacheDir: options.cacheDir });
    } catch (error) {
      if (options.gitsync !== undefined) throw error;
      failures.push(`${gitSyncKey(gitsync)}: ${describeError(error)}`);
      continue;
    }
    const found = await readWorkloads(context).catch(async (error: unknown) => {
      await context.close();
      throw error;
    });
    if (matchWorkloads(found.workloads, selector, context.targetNamespace).length > 0) {
      hits.push({ context, found });
      continue;
    }
    for (const workload of found.workloads) known.push(workloadId(workload, context.targetNamespace));
    await context.close();
  }
  const [hit] = hits;
  if (hit && hits.length === 1) {
    const where = `GitSync ${gitSyncKey(hit.context.gitsync)}`;
    try {
      const workload = findWorkload(hit.found.workloads, selector, {
        targetNamespace: hit.context.targetNamespace,
        where,
      });
      return { ...hit, workload };
    } catch (error) {
      await hit.context.close();
      throw error;
    }
  }
  await Promise.all(hits.map((h) => h.context.close()));
  if (hits.length > 1) {
    const keys = hits.map((h) => gitSyncKey(h.context.gitsync)).join(', ');
    throw new UsageError(
      `--workload ${selector.text} is in several GitSyncs (${keys}); name one with --gitsync`,
    );
  }
  const where = options.gitsync
    ? `GitSync ${options.gitsync}`
    : `any GitSync (${gitsyncs.map(gitSyncKey).join(', ') || 'none'})`;
  const list = known.length === 0 ? 'no workloads found' : `workloads: ${[...new Set(known)].join(', ')}`;
  if (failures.length > 0) {
    throw new RemoteError(
      `no workload ${selector.text} in ${where} (${list}); could not read ${failures.join('; ')}`,
    );
  }
  throw new UsageError(`no workload ${selector.text} in ${where} (${list})`);
}
