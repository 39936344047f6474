// The real collaborators of the reconcilers: Git working copies under the cache directory, Secret
// reads and status patches through the controller's one KubeClient (impersonated views where a
// GitSync or ImagePolicy acts as a ServiceAccount), and image automation on the real repository.
import { join } from 'node:path';
import { resourcePath } from '../api/paths.ts';
import type { ImagePolicy, ImagePolicyStatus } from '../api/types.ts';
import {
  DEFAULT_KUSTOMIZE,
  GitError,
  generateIdentity,
  type KustomizeOptions,
  type OpenRepositoryOptions,
  openRepository,
  type ReadLimits,
  type Repository,
} from '../git/index.ts';
import type { ForgeHttpOptions } from '../git/pull-request/index.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import { readGitAuth, readPullSecrets, readSigningKey, readTlsSettings } from '../kube/secrets.ts';
import { ensureSshIdentity } from '../kube/ssh-identity.ts';
import { createManifestCache } from '../manifests/index.ts';
import type { TlsSettings } from '../util/tls-settings.ts';
import { runAutomation } from './gitsync-automation.ts';
import { pullRequestStep, pullRequestsPerBranch } from './gitsync-pull-request.ts';
import { GitSyncStatusWriter } from './gitsync-status-writer.ts';
import { referencedPolicies } from './policy-references.ts';
import type {
  EventSink,
  GitSyncPorts,
  ImagePolicyPorts,
  ScannerFactory,
  SourceRepository,
  SyncEngineFactory,
} from './ports.ts';

type HttpClient = Parameters<typeof openRepository>[0]['http'];

/** What the real GitSync ports are made of. */
export interface GitSyncWiring {
  /** The controller's client (fenced); impersonated views of it read Secrets. */
  client: KubeClient;
  /** The Git HTTP client of repositories without TLS settings. */
  http: HttpClient;
  /**
   * The Git HTTP client and forge dispatcher of a repository with TLS settings (its own pool).
   * Default: `http` and `forge` for every repository.
   */
  withTls?: ((tls: TlsSettings) => { http: HttpClient; forge: ForgeHttpOptions }) | undefined;
  /** SSH transport settings for SSH URLs (the push fence, timeouts). Default none. */
  ssh?: OpenRepositoryOptions['ssh'];
  /** How forge APIs (pull requests) are reached: the shared Git dispatcher. Default: no pull requests. */
  forge?: ForgeHttpOptions | undefined;
  scanners: ScannerFactory;
  engines: SyncEngineFactory;
  events: EventSink;
  /** Working copies live under `<cacheDir>/git/<namespace>/<name>`. */
  cacheDir: string;
  /** Caps on the manifests read from one GitSync's path. Default `DEFAULT_READ_LIMITS`. */
  readLimits?: ReadLimits | undefined;
  /** How kustomization roots are built. Default `DEFAULT_KUSTOMIZE`. */
  kustomize?: KustomizeOptions | undefined;
  now?: () => Date;
}

/** The GitSync reconciler's ports on the real Git, API server and registries. */
export function gitSyncPorts(wiring: GitSyncWiring): GitSyncPorts {
  const as = (identity: Impersonation | undefined) =>
    identity ? wiring.client.impersonating(identity) : wiring.client;
  return {
    status: new GitSyncStatusWriter(wiring.client, wiring.now ?? (() => new Date())),
    events: wiring.events,
    engines: wiring.engines,
    readGitAuth: (identity, namespace, secretName) => readGitAuth(as(identity), namespace, secretName),
    readTlsSettings: (identity, namespace, spec) => readTlsSettings(as(identity), namespace, spec),
    sshIdentity: (identity, owner) =>
      ensureSshIdentity(as(identity), owner, () =>
        generateIdentity(`tagpilot-${owner.namespace}-${owner.name}`),
      ),
    readSigningKey: (identity, namespace, secretName) => readSigningKey(as(identity), namespace, secretName),
    openRepository: async ({ namespace, name, url, branch, auth, signer, tls }) => {
      const own = tls && wiring.withTls ? wiring.withTls(tls) : undefined;
      const repo = await openRepository({
        dir: join(wiring.cacheDir, 'git', namespace, name),
        url,
        branch,
        ...(auth ? { auth } : {}),
        signer,
        http: own?.http ?? wiring.http,
        ...(wiring.ssh ? { ssh: wiring.ssh } : {}),
        ...(wiring.readLimits ? { readLimits: wiring.readLimits } : {}),
      });
      return sourceRepository(
        repo,
        (identity) => as(identity),
        wiring.scanners,
        wiring.kustomize ?? DEFAULT_KUSTOMIZE,
        wiring.forge && own ? own.forge : wiring.forge,
      );
    },
  };
}

function sourceRepository(
  repo: Repository,
  clientFor: (identity: Impersonation | undefined) => KubeClient,
  scanners: ScannerFactory,
  kustomize: KustomizeOptions,
  forge: ForgeHttpOptions | undefined,
): SourceRepository {
  // Parsed manifests kept between automation runs of this repository (each file parsed once per content).
  const manifestCache = createManifestCache();
  return {
    refresh: () => repo.refresh(),
    readFiles: async (paths) => (await orNone(() => repo.readFiles(paths)))?.files,
    renderFiles: (paths) => orNone(() => repo.renderFiles(paths, kustomize)),
    automate: async (input) => {
      const client = clientFor(input.impersonate);
      const run = await runAutomation({
        gitsync: input.gitsync,
        repo,
        files: input.files,
        policies: input.policies,
        client,
        scanners,
        manifestCache,
        confineTo: input.confineTo,
      });
      const about = { gitsync: input.gitsync, repoUrl: repo.url, syncBranch: repo.branch, client };
      const pullRequest = forge
        ? await pullRequestStep({ ...about, push: run.push, http: forge })
        : undefined;
      const pullRequests =
        forge && run.branches
          ? await pullRequestsPerBranch({ ...about, branches: run.branches, http: forge })
          : undefined;
      return { ...run, referencedPolicies: referencedPolicies(input.files), pullRequest, pullRequests };
    },
  };
}

/** What `read` gives, or undefined when one of the paths does not exist at the head. */
async function orNone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GitError && error.code === 'PATH_NOT_FOUND') return undefined;
    throw error;
  }
}

/** The ImagePolicy reconciler's ports on the real API server and registries. */
export function imagePolicyPorts(wiring: {
  client: KubeClient;
  scanners: ScannerFactory;
  events: EventSink;
}): ImagePolicyPorts {
  const { client } = wiring;
  return {
    scanners: wiring.scanners,
    events: wiring.events,
    readPullSecrets: (identity, namespace, sources) =>
      readPullSecrets(identity ? client.impersonating(identity) : client, namespace, sources),
    readTlsSettings: (identity, namespace, spec) =>
      readTlsSettings(identity ? client.impersonating(identity) : client, namespace, spec),
    writeStatus: async (policy: ImagePolicy, status: ImagePolicyStatus) => {
      const { namespace = 'default', name } = policy.metadata;
      await client.request({
        method: 'PATCH',
        path: resourcePath('imagepolicies', namespace, name, 'status'),
        contentType: 'application/merge-patch+json',
        body: { status },
        what: `update status of ImagePolicy ${namespace}/${name}`,
      });
    },
  };
}
