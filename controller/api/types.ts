// TypeScript shapes of tagpilot's custom resources (group tagpilot.io, version v1alpha1). They
// mirror crds/*.yaml; specs arrive from the API server already defaulted by the CRD schema, but
// readers still treat every optional field as possibly missing (objects written before a default
// existed, or dry-run inputs).

/** API group of tagpilot's custom resources. */
export const GROUP = 'tagpilot.io';
/** API version of tagpilot's custom resources. */
export const VERSION = 'v1alpha1';
/** apiVersion string of tagpilot's custom resources. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** The metadata fields tagpilot reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

/** ImagePolicy.spec.policy: exactly one field is set. */
export interface ImagePolicyRule {
  semver?: { range: string; includePrerelease?: boolean };
  glob?: { pattern: string };
  regex?: { pattern: string };
  alphabetical?: { order?: 'asc' | 'desc' };
  numerical?: { order?: 'asc' | 'desc' };
  newestBuild?: Record<string, never>;
}

/** ImagePolicy.spec. */
export interface ImagePolicySpec {
  image: string;
  policy: ImagePolicyRule;
  filterTags?: { pattern: string; extract?: string };
  exclude?: string[];
  /** Signature, attestation and SBOM tags: default Exclude. */
  referrerTags?: 'Exclude' | 'Include';
  /** Default 5m. */
  interval?: string;
  secretRef?: { name: string };
  /**
   * Secret with `ca.crt` (CA bundle, PEM) and/or `tls.crt` + `tls.key` (client certificate) for the
   * registry and its token realm; the registry is then reached over HTTPS, loopback included. Default none.
   */
  certSecretRef?: { name: string };
  /** Do not verify the registry's certificate; logs a warning on every connection. Default false. */
  insecureSkipTLSVerify?: boolean;
  serviceAccountName?: string;
  /** Default linux/amd64. */
  platform?: string;
  /** Default Never. */
  digest?: 'Never' | 'Always';
  /** Default false. */
  suspend?: boolean;
}

/** ImagePolicy.status. */
export interface ImagePolicyStatus {
  latestTag?: string;
  latestImage?: string;
  latestDigest?: string;
  previousTag?: string;
  tagCount?: number;
  /** newest-build: latestTag is the best of the candidates whose build time is known so far. */
  provisional?: boolean;
  /** Candidates whose build time a later scan reads (the per-scan budget). */
  buildTimesPending?: number;
  lastScanTime?: string;
  observedGeneration?: number;
  conditions?: Condition[];
}

/** An ImagePolicy object. */
export interface ImagePolicy {
  apiVersion: typeof API_VERSION;
  kind: 'ImagePolicy';
  metadata: ObjectMeta;
  spec: ImagePolicySpec;
  status?: ImagePolicyStatus;
}

/** One GitSync.spec.sync.ignore rule. */
export interface IgnoreRule {
  target?: { kind?: string; name?: string; namespace?: string };
  paths: string[];
}

/** GitSync.spec. */
export interface GitSyncSpec {
  url: string;
  /** Default main. */
  branch?: string;
  /** Default '.'. */
  path?: string;
  /** Several directories applied as one render and one inventory; when set, `path` is not used. */
  paths?: string[];
  /** GitSyncs that must be Ready before this one syncs (namespace default: this one's). */
  dependsOn?: { name: string; namespace?: string }[];
  /** Git poll interval, default 1m. */
  interval?: string;
  secretRef?: { name: string };
  /** Secret with `ca.crt` (CA bundle, PEM) and/or `tls.crt` + `tls.key` (client certificate) for https URLs. Default none. */
  certSecretRef?: { name: string };
  /** Do not verify the Git server's certificate; logs a warning on every connection. Default false. */
  insecureSkipTLSVerify?: boolean;
  targetNamespace?: string;
  /**
   * ServiceAccount in the GitSync's namespace whose rights every apply, prune, drift revert and
   * Secret read of this GitSync uses (impersonation). Default: the controller's
   * `--default-service-account`, else the controller's own rights.
   */
  serviceAccountName?: string;
  sync?: {
    /**
     * Default true. false is write-back-only: automation commits and pushes, and nothing is applied,
     * pruned or reverted (another tool syncs the repository).
     */
    enabled?: boolean;
    /** Default true. */
    prune?: boolean;
    /** Create `targetNamespace` when it does not exist (never pruned). Default false. */
    createNamespace?: boolean;
    /** Full re-sync period, default 10m. */
    interval?: string;
    /** Default true. */
    revertDrift?: boolean;
    ignore?: IgnoreRule[];
    /** Ready only once what the sync applied is healthy (Flux's `wait`). Default false. */
    wait?: boolean;
    /** With `wait`: how long objects may take to become healthy before Ready=False. Default 5m. */
    timeout?: string;
  };
  automation?: {
    /** Default true. */
    enabled?: boolean;
    /** Registry scan interval, default 5m. */
    interval?: string;
    commit?: {
      authorName?: string;
      authorEmail?: string;
      messageTemplate?: string;
      /**
       * Signs every commit tagpilot makes: a Secret in the GitSync's namespace (read with its rights)
       * holding `git.asc` (armored OpenPGP private key) or `identity` (OpenSSH private key, Git's
       * gpg.format=ssh), and an optional `passphrase`. Default none: commits are unsigned.
       */
      signingKey?: { secretRef: { name: string } };
    };
    push?: {
      /**
       * Branch to push to. Default: the sync branch; another branch is a review branch. With
       * `{{policy}}` in it (the only placeholder), each image's update goes to its own branch.
       */
      branch?: string;
      /** Open a pull request from `branch` into the sync branch (needs `branch`). Default none. */
      pullRequest?: PullRequestSpec;
    };
  };
  /** Default false. */
  suspend?: boolean;
}

/** GitSync.spec.automation.push.pullRequest. */
export interface PullRequestSpec {
  provider: 'gitea' | 'github' | 'gitlab';
  /** Default: the subject of the automated commit. */
  title?: string;
  /** Default: the automated commit's message. */
  body?: string;
  /** Label names set when the pull request is opened. Default none. */
  labels?: string[];
  /** Secret in the GitSync's namespace whose key `token` is the forge API token. */
  secretRef: { name: string };
}

/** The open pull request of a GitSync's review branch, as the last automation run left it. */
export interface PullRequestStatus {
  number: number;
  url: string;
  branch: string;
}

/** The pull request of one per-image review branch (`automation.push.branch` with `{{policy}}`). */
export interface BranchPullRequestStatus {
  branch: string;
  /** The `{{policy}}` value: ImagePolicy name, or `<kind>-<name>-<container>` of a workload. */
  policy: string;
  /** The image(s) the branch writes, `repo:tag`. */
  image: string;
  /** `Open`: the pull request is open for this update; `Failed`: the last attempt failed (`message`). */
  state: 'Open' | 'Failed';
  /** Unset when no pull request was ever opened for the branch. */
  number?: number;
  url?: string;
  message?: string;
}

/** One applied object in GitSync.status.inventory. */
export interface InventoryEntry {
  /** namespace_name_group_kind */
  id: string;
  /** API version the object was applied with. */
  v: string;
}

/** GitSync.status. */
export interface GitSyncStatus {
  lastSyncedCommit?: string;
  lastAutomationCommit?: string;
  /** The pull request opened or updated for the review branch (`automation.push.pullRequest`). */
  pullRequest?: PullRequestStatus;
  /**
   * With a per-image branch template: one entry per branch whose update the sync branch still needs;
   * an entry goes once the sync branch has that image (merged, or done by hand).
   */
  pullRequests?: BranchPullRequestStatus[];
  lastSyncTime?: string;
  automatedWorkloads?: number;
  /**
   * The ImagePolicies (`<namespace>/<name>`) the manifests at `commit` name, as the last automation
   * run found them: a new latest tag of one of them runs this GitSync's automation at once.
   */
  imagePolicyRefs?: { commit: string; policies: string[] };
  /** Objects this GitSync adopted (they existed without its ownership label) and still manages. */
  adopted?: AdoptedObject[];
  observedGeneration?: number;
  inventory?: InventoryEntry[];
  conditions?: Condition[];
}

/** An object a GitSync took over on its first apply. */
export interface AdoptedObject {
  /** Inventory id `namespace_name_group_kind`. */
  id: string;
  /** `Kind ns/name`. */
  object: string;
  /** Its field managers before tagpilot (possibly none). */
  previousManagers: string[];
}

/** A GitSync object. */
export interface GitSync {
  apiVersion: typeof API_VERSION;
  kind: 'GitSync';
  metadata: ObjectMeta;
  spec: GitSyncSpec;
  status?: GitSyncStatus;
}

/** Annotation whose changed value asks for an immediate reconcile (the CLI's `sync` sets it). */
export const RECONCILE_AT_ANNOTATION = 'tagpilot.io/reconcile-at';
