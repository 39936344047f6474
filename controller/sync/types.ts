/** The shapes the sync loop takes and returns. */
import type { KubeObject, ResourceInfo } from '../kube/types.ts';
import type { ManifestFile, Problem } from '../manifests/index.ts';

/** One object of the inventory (what the last sync applied), as stored in GitSync status. */
export interface InventoryEntry {
  /** `<namespace>_<name>_<group>_<kind>` (Flux's format; empty namespace/group for cluster/core). */
  id: string;
  namespace: string;
  name: string;
  group: string;
  kind: string;
  version: string;
}

/** A rendered object ready to apply. */
export interface DesiredObject {
  id: string;
  entry: InventoryEntry;
  info: ResourceInfo;
  /** The object as applied: namespace set, ownership label added. */
  object: KubeObject;
  /** Where it came from. */
  source: { path: string; index: number };
  /** `ignore: sync_only`: applied but never pruned. */
  syncOnly: boolean;
  /** `tagpilot.io/recreate: "true"`: an immutable-field change deletes and recreates the object. */
  recreate: boolean;
  /** The namespace came from the GitSync's `targetNamespace`, not from the manifest. */
  namespaceDefaulted: boolean;
}

/** What happened to one object in a sync. */
export type ObjectAction =
  /** The object did not exist and was created. */
  | 'created'
  /** The object existed and was changed (fields, labels, or field ownership). */
  | 'configured'
  /** Deleted and created again to change an immutable field (opt-in). */
  | 'recreated'
  /** The dry run matched the live object: no write. */
  | 'unchanged'
  /** Removed from the cluster because it left Git. */
  | 'pruned'
  /**
   * Not pruned: no longer ours, `ignore`, `prune: disabled`, or only moved by a changed
   * `targetNamespace`.
   */
  | 'skipped'
  | 'failed';

/** One field that differs between two states of an object. */
export interface FieldChange {
  /** Display path, e.g. `spec.replicas` or `spec.template.spec.containers[name=flask].image`. */
  path: string;
  /** Display value before (`(absent)` when missing; Secret values are `(redacted)`). */
  from: string;
  /** Display value after. */
  to: string;
  /** The field manager that owned the changed field before (drift only), when known. */
  manager?: string | undefined;
}

/** The outcome for one object. */
export interface ObjectResult {
  id: string;
  /** `Kind ns/name`. */
  object: string;
  action: ObjectAction;
  /** Stable code of a failure or a skip, e.g. `ImmutableField`, `Invalid`, `NotOwned`. */
  reason?: string | undefined;
  /** Human-readable detail of a failure or a skip (never Secret data). */
  message?: string | undefined;
  /** Fields that changed (configured/recreated). */
  changes?: FieldChange[] | undefined;
  /** Field managers whose fields were taken over (kubectl client-side edits). */
  tookOverFrom?: string[] | undefined;
  /**
   * Set when this apply adopted the object: it existed without this GitSync's ownership label.
   * Lists its previous field managers (possibly none).
   */
  adoptedFrom?: string[] | undefined;
}

/** kstatus-style readiness of one object. */
export interface HealthVerdict {
  id: string;
  object: string;
  status: 'Current' | 'InProgress' | 'Failed' | 'Unknown';
  message: string;
  /** metadata.generation of the object the verdict was computed from. */
  generation?: number | undefined;
}

/** Why a whole sync refused to act. */
export type SyncErrorCode = 'PathMissing' | 'EmptyRender';

/** The report of one sync. */
export interface SyncResult {
  /** Set when the sync refused to apply or prune anything. */
  error?: { code: SyncErrorCode; message: string } | undefined;
  /** The new inventory: every rendered object plus prune failures (to retry next time). */
  inventory: InventoryEntry[];
  objects: ObjectResult[];
  /** Documents that could not be read or rendered (file, line, message). */
  problems: Problem[];
  /**
   * Why nothing was pruned although prune is on: the render had problems, so an object missing
   * from it may still be in Git (every previous inventory entry is kept).
   */
  pruneHeld?: string | undefined;
  health: HealthVerdict[];
  counts: Record<ObjectAction, number>;
  /** Writes sent to the API server (applies, patches, deletes; not dry runs, not events). */
  writes: number;
  durationMs: number;
}

/** One sync request. */
export interface SyncRequest {
  /**
   * The manifests under the GitSync path (see `loadManifestFiles`); `undefined` means the path
   * does not exist, which is an error (nothing applied, nothing pruned).
   */
  files: readonly ManifestFile[] | undefined;
  /** Namespace for namespaced objects without one. */
  targetNamespace?: string | undefined;
  /**
   * With `--no-cross-namespace-refs`: the only namespace namespaced objects may be in (the
   * GitSync's, or its `targetNamespace`, which then overrides every object's namespace); objects
   * elsewhere are refused one by one. Default: any namespace.
   */
  confineTo?: string | undefined;
  /** The inventory of the last sync (GitSync status). Default: empty. */
  previousInventory?: readonly InventoryEntry[] | undefined;
  /** Delete objects that left Git. Default true. */
  prune?: boolean | undefined;
  /**
   * Problems found before the render (files that are not text, a kustomize build that failed):
   * reported with the render's own, and like them they hold prune. Default none.
   */
  problems?: readonly Problem[] | undefined;
  /**
   * Create `targetNamespace` when it does not exist (never pruned; see create-namespace.ts).
   * Default false.
   */
  createNamespace?: boolean | undefined;
}

/** A drift revert: someone changed an object and it was put back to the Git state. */
export interface DriftReport {
  id: string;
  object: string;
  /** `deleted` when the object was recreated. */
  kind: 'changed' | 'deleted';
  changes: FieldChange[];
  /** The field managers that made the change, as far as managedFields tell. */
  managers: string[];
  /** One line, e.g. `Deployment my-demo/fluxdemo: spec.replicas 4 -> 1 (changed by kubectl)`. */
  message: string;
  /** When the watch saw the change (ms since epoch, from `now`). */
  detectedAt: number;
  /** When the revert was written. */
  revertedAt: number;
  /** Consecutive reverts of this object, this one included. */
  attempt: number;
}

/** Someone keeps changing an object back: reverts are being backed off. */
export interface DriftFight {
  id: string;
  object: string;
  managers: string[];
  /** Reverts within the fight window. */
  reverts: number;
  /** Delay before the next revert, ms. */
  nextDelayMs: number;
  message: string;
}

/** A revert that failed (the object is retried with backoff). */
export interface DriftFailure {
  id: string;
  object: string;
  message: string;
}

/** An ignore rule from `GitSync.spec.sync.ignore`: fields tagpilot neither sets nor reverts. */
export interface IgnoreRule {
  /** Which objects; an absent field matches every value. */
  target: { kind?: string | undefined; name?: string | undefined; namespace?: string | undefined };
  /** JSON pointers (RFC 6901), e.g. `/spec/replicas`. */
  paths: string[];
}

/** The GitSync (or other object) the synced objects belong to: events name it as related. */
export interface OwnerRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string | undefined;
}
