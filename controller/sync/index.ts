/**
 * The sync loop: applies a Git path to the cluster with server-side apply and keeps it there.
 *
 *   const syncer = new Syncer({ kubeConfig, logger, owner: { apiVersion: 'tagpilot.io/v1alpha1',
 *     kind: 'GitSync', namespace: 'flux', name: 'demo' }, ignore: gitSync.spec.sync.ignore });
 *   const files = loadManifestFiles(checkoutDir, gitSync.spec.path);   // undefined: path missing
 *   const result = await syncer.sync({ files, targetNamespace, previousInventory, prune: true });
 *   // result.inventory -> GitSync status; result.objects / result.health -> conditions
 *   await syncer.startDriftWatch();                 // watches every applied kind
 *   syncer.on('drift', (report) => ...);            // "Deployment my-demo/fluxdemo: spec.replicas 4 -> 1 (changed by kubectl)"
 *   syncer.on('fight', (fight) => ...);             // DriftFight condition
 *   syncer.startPeriodicResync(10 * 60_000);        // the safety net
 *   await syncer.stop();
 *
 * Ownership: every applied object carries the label `tagpilot.io/managed-by: <ns>.<name>` of its
 * GitSync (hashed when longer than 63 characters, see `ownerLabelValue`); prune deletes only
 * objects that still carry it. Field manager `tagpilot`, always with `force=true`.
 *
 * Annotations read (under `tagpilot.io/`, `fluxcd.io/` or `flux.weave.works/`):
 * `ignore: "true"` (never applied, never pruned), `ignore: sync_only` (applied, never pruned),
 * `tagpilot.io/recreate: "true"` (an immutable-field change deletes and recreates the object).
 */

export { ImmutableFieldError } from './errors.ts';
export { computeHealth, type Health } from './health.ts';
export { loadManifestFiles } from './load-files.ts';
export { OWNER_LABEL, ownerLabelValue, RECREATE_ANNOTATION } from './ownership.ts';
export { inventoryEntry } from './render.ts';
export { type Backoff, defaultBackoff } from './revert-history.ts';
export { Syncer, type SyncerEvents, type SyncerOptions } from './syncer.ts';
export type * from './types.ts';
