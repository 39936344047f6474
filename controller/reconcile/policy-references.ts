// Which GitSyncs a changed ImagePolicy wakes: those whose manifests name it. Each automation run
// records in status the policies the manifests at its commit named (`status.imagePolicyRefs`); what
// is not known for the commit now synced (never automated, or a newer commit since) is woken too.
import type { GitSync, ImagePolicy } from '../api/types.ts';
import { findMarkers, findWorkloads, type ManifestFile, readManifests } from '../manifests/index.ts';

/** False only when status says the manifests at the synced commit do not name `policy`. */
export function mayReference(gitsync: GitSync, policy: Pick<ImagePolicy, 'metadata'>): boolean {
  const refs = gitsync.status?.imagePolicyRefs;
  if (!refs || refs.commit !== gitsync.status?.lastSyncedCommit) return true;
  const key = `${policy.metadata.namespace ?? 'default'}/${policy.metadata.name}`;
  return refs.policies.includes(key);
}

/**
 * The ImagePolicies (`<namespace>/<name>`) that `files` name, as the planner looks them up: setter
 * markers, and `policy.<container>` annotations (namespace defaulting to the workload's).
 */
export function referencedPolicies(files: readonly ManifestFile[]): string[] {
  const set = readManifests(files);
  const keys = new Set<string>();
  for (const marker of findMarkers(set).markers) keys.add(`${marker.policy.namespace}/${marker.policy.name}`);
  for (const workload of findWorkloads(set)) {
    for (const { policyRef } of workload.containers) {
      if (policyRef) keys.add(`${policyRef.namespace ?? workload.namespace ?? 'default'}/${policyRef.name}`);
    }
  }
  return [...keys].sort();
}
