// The narrow interfaces the reconcilers use to reach the outside (API server, registries, Git),
// so each reconciler states exactly what it needs: the controller wires the real implementations
// (gitsync-wiring.ts), and the reconcilers' unit tests pass small fakes.
import type { CredentialProvider } from '../../registry/credentials.ts';
import type { ConditionUpdate } from '../api/conditions.ts';
import type { GitSync, GitSyncStatus, ImagePolicy, ImagePolicyStatus } from '../api/types.ts';
import type { ImageScanner } from '../automation/image-scanner.ts';
import type { Decision } from '../automation/plan-updates.ts';
import type { CommitSigner, GitAuth, HeadCommit } from '../git/index.ts';
import type { EventInput } from '../kube/events.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import type {
  GitAuthResult,
  PullSecretResult,
  PullSecretSources,
  SigningKeyResult,
  TlsSettingsResult,
} from '../kube/secrets.ts';
import type { IdentityOwner, KeyPair } from '../kube/ssh-identity.ts';
import type { ManifestFile, Problem, UnappliedUpdate } from '../manifests/index.ts';
import type {
  DriftFailure,
  DriftFight,
  DriftReport,
  HealthVerdict,
  IgnoreRule,
  OwnerRef,
  SyncRequest,
  SyncResult,
} from '../sync/types.ts';
import type { TlsSettings } from '../util/tls-settings.ts';

/** Records a Kubernetes Event (controller/kube's EventRecorder fits). */
export interface EventSink {
  record(input: EventInput): Promise<void>;
}

/** Makes an ImageScanner that uses the given credentials, TLS settings (and platform for newest-build). */
export type ScannerFactory = (options: {
  credentials?: CredentialProvider;
  platform?: string;
  tls?: TlsSettings;
}) => ImageScanner;

/** The spec fields TLS settings are read from. */
export interface TlsSpec {
  certSecretRef?: { name: string } | undefined;
  insecureSkipTLSVerify?: boolean | undefined;
}

/** The sync loop of one GitSync: full syncs, plus drift reverts between them. */
export interface SyncEngine {
  sync(request: SyncRequest): Promise<SyncResult>;
  /**
   * The health verdicts of the last sync as the drift watches see them now (a rollout may have
   * finished between the sync and this call); undefined: use the sync result's.
   */
  health?(): HealthVerdict[];
  /** Stops drift watches. */
  stop(): Promise<void>;
}

/** Callbacks a SyncEngine reports drift through. */
export interface DriftHandlers {
  onDrift(report: DriftReport): void;
  onFight(fight: DriftFight): void;
  onFightEnded(ended: { id: string; object: string }): void;
  onFailure(failure: DriftFailure): void;
  /** Between syncs, an applied object's health changed (a rollout finished or failed): every verdict. */
  onHealth(verdicts: HealthVerdict[]): void;
}

/** Makes the SyncEngine of one GitSync. */
export type SyncEngineFactory = (options: {
  owner: OwnerRef;
  ignore: IgnoreRule[];
  revertDrift: boolean;
  handlers: DriftHandlers;
  /** Who every request of the engine is made as (the GitSync's ServiceAccount); undefined: the controller. */
  impersonate: Impersonation | undefined;
}) => SyncEngine;

/** Writes a GitSync's status: the given fields, and condition updates merged onto the last written. */
export interface GitSyncStatusSink {
  write(gitsync: GitSync, status: GitSyncStatus, conditions: readonly ConditionUpdate[]): Promise<void>;
  /** Forgets a deleted GitSync. */
  forget(key: string): void;
}

/** What image automation is run with (see gitsync-automation.ts). */
export interface AutomationInput {
  gitsync: GitSync;
  /** The manifests of the head commit. */
  files: readonly ManifestFile[];
  policies: readonly ImagePolicy[];
  /** Pull secrets are read as this identity (the GitSync's ServiceAccount); undefined: the controller. */
  impersonate: Impersonation | undefined;
  /** With `--no-cross-namespace-refs`, the one namespace the GitSync may reach. */
  confineTo: string | undefined;
}

/** What the pull-request step did after an automation run (`automation.push.pullRequest`). */
export type PullRequestOutcome =
  | { action: 'opened' | 'updated' | 'unchanged' | 'notNeeded'; branch: string; number: number; url: string }
  | { action: 'failed'; branch: string; message: string };

/** One push of an automation run. */
export interface AutomationPush {
  commit: string | undefined;
  pushed: boolean;
  branch: string;
  message: string | undefined;
  changes: readonly unknown[];
  unapplied: readonly UnappliedUpdate[];
  retries: number;
}

/** One per-image branch of an automation run (`{{policy}}` in `automation.push.branch`). */
export type BranchPushOutcome = { branch: string; policy: string; image: string } & (
  | { push: AutomationPush }
  | { error: string }
);

/** The pull request of one per-image branch. */
export type BranchPullRequestOutcome = PullRequestOutcome & { policy: string; image: string };

/** What the reconciler reads of one automation run (gitsync-automation.ts's `AutomationRun` fits). */
export interface AutomationOutcome {
  plan: { decisions: readonly Decision[]; automatedWorkloads: number };
  /** Undefined when nothing was to change (and with a per-image branch template). */
  push: AutomationPush | undefined;
  /** With a per-image branch template (`{{policy}}`): each branch's push, or why it failed. */
  branches?: readonly BranchPushOutcome[] | undefined;
  /** Pull secrets that could not be read (the scan went on without them). */
  credentialProblems: readonly string[];
  /** The ImagePolicies (`<namespace>/<name>`) the manifests it read name. */
  referencedPolicies: string[];
  /** The review branch's pull request, when the GitSync asks for one. */
  pullRequest?: PullRequestOutcome | undefined;
  /**
   * With a per-image branch template and `pullRequest`: one outcome per branch that had updates,
   * and `notNeeded` for a branch of `status.pullRequests` that needs none any more.
   */
  pullRequests?: readonly BranchPullRequestOutcome[] | undefined;
}

/** A GitSync's repository, as the reconciler uses it. */
export interface SourceRepository {
  /** Fetches the branch; its head. */
  refresh(): Promise<HeadCommit>;
  /** The manifests under `paths` at the head; undefined when one is missing. Throws `ReadLimitError`. */
  readFiles(paths: readonly string[]): Promise<ManifestFile[] | undefined>;
  /**
   * What a sync applies from `paths` at the head: the manifests, with kustomization roots built by
   * kustomize, and the problems found on the way; undefined when a path is missing.
   */
  renderFiles(paths: readonly string[]): Promise<{ files: ManifestFile[]; problems: Problem[] } | undefined>;
  /** Decides image updates on `files`, commits them once and pushes. */
  automate(input: AutomationInput): Promise<AutomationOutcome>;
}

/** Everything outside the process the GitSync reconciler reaches. */
export interface GitSyncPorts {
  status: GitSyncStatusSink;
  events: EventSink;
  engines: SyncEngineFactory;
  /** Reads the Git credentials of `spec.secretRef` as `impersonate`. */
  readGitAuth(
    impersonate: Impersonation | undefined,
    namespace: string,
    secretName: string | undefined,
  ): Promise<GitAuthResult>;
  /**
   * The key pair tagpilot made for an SSH GitSync whose Secret names no identity (made and stored
   * on first use), read as `impersonate`. Default none: such a GitSync fails with INVALID_IDENTITY.
   */
  sshIdentity?(impersonate: Impersonation | undefined, owner: IdentityOwner): Promise<KeyPair>;
  /**
   * The TLS settings of `spec.certSecretRef` (read as `impersonate`) and `insecureSkipTLSVerify`.
   * Default none: every repository is opened without TLS settings of its own.
   */
  readTlsSettings?(
    impersonate: Impersonation | undefined,
    namespace: string,
    spec: TlsSpec,
  ): Promise<TlsSettingsResult>;
  /** Reads the commit signing key of `spec.automation.commit.signingKey.secretRef` as `impersonate`. */
  readSigningKey(
    impersonate: Impersonation | undefined,
    namespace: string,
    secretName: string | undefined,
  ): Promise<SigningKeyResult>;
  /** Opens (clones or reuses) the working copy of `<namespace>/<name>`; `signer` signs every commit it writes. */
  openRepository(input: {
    namespace: string;
    name: string;
    url: string;
    branch: string;
    auth: GitAuth | undefined;
    /** TLS settings of an https URL. Default none. */
    tls?: TlsSettings | undefined;
    signer?: CommitSigner | undefined;
  }): Promise<SourceRepository>;
}

/** Everything outside the process the ImagePolicy reconciler reaches. */
export interface ImagePolicyPorts {
  scanners: ScannerFactory;
  events: EventSink;
  /** Reads pull secrets in `namespace` as `impersonate`. */
  readPullSecrets(
    impersonate: Impersonation | undefined,
    namespace: string,
    sources: PullSecretSources,
  ): Promise<PullSecretResult>;
  /** The TLS settings of the policy's spec, read as `impersonate`. Default none. */
  readTlsSettings?(
    impersonate: Impersonation | undefined,
    namespace: string,
    spec: TlsSpec,
  ): Promise<TlsSettingsResult>;
  /** Writes the whole status (a merge patch of `status`). */
  writeStatus(policy: ImagePolicy, status: ImagePolicyStatus): Promise<void>;
}
