/**
 * The sync loop: applies a Git path to the cluster with server-side apply and keeps it there.
 *
 *   const syncer = new Syncer({ kubeConfig, logger, owner: { apiVersion: 'tagpilot.io/v1alpha1',
 *     kind: 'GitSync', namespace: 'flux', name: 'demo' }, ignore: gitSync.spec.sync.ignore });
 *   const files = loadManifestFiles(checkoutDir, gitSync.spec.path);   // undefined: path missing
 *   const result = await syncer.sync({ files, targetNamespace, previousInventory, prune: true });
 *   // result.error (PathMissing / EmptyRender: nothing applied or pruned), result.inventory ->
 *   // GitSync status, result.objects (created/configured/recreated/unchanged/pruned/skipped/failed
 *   // with reason, message, field changes), result.health (kstatus), result.problems (YAML)
 *   await syncer.startDriftWatch();                 // label-selected watches on every applied kind
 *   syncer.on('drift', (report) => ...);            // "Deployment my-demo/fluxdemo: spec.replicas 4 -> 1 (changed by kubectl)"
 *   syncer.on('fight', (fight) => ...);             // DriftFight condition; 'fight-ended' clears it
 *   syncer.on('drift-error', (failure) => ...);     // a revert failed; retried with backoff
 *   syncer.on('sync', (result) => ...);             // every sync, the periodic ones included
 *   syncer.startPeriodicResync(10 * 60_000);        // the safety net behind the watches
 *   syncer.fights();                                // objects in a fight right now
 *   await syncer.stop();
 *
 * How a sync writes: objects are applied in stages (CRDs, Namespaces, ClusterRoles; then the
 * rest; admission webhooks last; CRDs must be Established before the next stage), with at most
 * `concurrency` requests in flight. Each object: take over fields that kubectl client-side edits
 * own, dry-run the apply, write only when the result differs from the live object. An object
 * whose resourceVersion has not changed since tagpilot verified it skips even the dry run
 * (`dryRunCacheMs`), and so does one whose live state proves it unchanged (our Apply entry owns
 * exactly the manifest's fields, each with its value: unchanged-proof.ts), so a no-op re-sync,
 * after a restart too, is a handful of list requests.
 *
 * Ownership: every applied object carries the label `tagpilot.io/managed-by: <ns>.<name>` of its
 * GitSync (hashed when longer than 63 characters, see `ownerLabelValue`); prune deletes only
 * objects that still carry it. Field manager `tagpilot`, always with `force=true`.
 *
 * Annotations read (under `tagpilot.io/`, `fluxcd.io/` or `flux.weave.works/`):
 * `ignore: "true"` (never applied, never pruned), `ignore: sync_only` (applied, never pruned),
 * `tagpilot.io/recreate: "true"` (an immutable-field change deletes and recreates the object),
 * `tagpilot.io/prune: disabled` (or Flux's `kustomize.toolkit.fluxcd.io/prune`) on an object or
 * its Namespace (never pruned).
 *
 * Nothing lost: when the render has any problem (a file that does not parse, a document over the
 * alias cap, half an object, an object that fails to render), nothing is pruned and every previous
 * inventory entry is kept (`result.pruneHeld` says why). An object that a changed `targetNamespace`
 * moved is left in its old namespace. A kind that cannot be listed fails only its own objects.
 * Ignore rules and HPA-scaled replicas: set from Git when the object is created, then never set
 * or reverted again.
 *
 * Events (`events.k8s.io/v1`, reporting controller `tagpilot`): `DriftReverted`, `DriftFight`,
 * `ApplyFailed` on the object (related: the owner) and on the owner; `Synced` / `SyncFailed` /
 * `PathMissing` / `EmptyRender` on the owner. Secret values never appear in reports, events,
 * logs or error messages.
 */

export { ImmutableFieldError } from './errors.ts';
export { computeHealth, type Health } from './health.ts';
export { loadManifestFiles } from './load-files.ts';
export {
  OWNER_LABEL,
  ownerLabelValue,
  PRUNE_ANNOTATION,
  pruneDisabled,
  RECREATE_ANNOTATION,
} from './ownership.ts';
export { inventoryEntry } from './render.ts';
export { type Backoff, defaultBackoff } from './revert-history.ts';
export { failureLines, syncNote } from './sync-reporter.ts';
export { Syncer, type SyncerEvents, type SyncerOptions } from './syncer.ts';
export type * from './types.ts';
