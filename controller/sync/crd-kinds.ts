// The kinds a render defines itself: custom resources resolve against the CRDs applied in the
// same sync, before the API server serves them.
import { isRecord, type ResourceInfo } from '../kube/types.ts';

/** Kinds defined by CRDs in the render, so their custom resources resolve before the CRD exists. */
export function kindsOfCrds(objects: readonly Record<string, unknown>[]): Map<string, ResourceInfo> {
  const kinds = new Map<string, ResourceInfo>();
  for (const object of objects) {
    if (
      object.kind !== 'CustomResourceDefinition' ||
      !String(object.apiVersion).startsWith('apiextensions.k8s.io/')
    )
      continue;
    const spec = isRecord(object.spec) ? object.spec : {};
    const names = isRecord(spec.names) ? spec.names : {};
    const { group } = spec;
    const { kind, plural } = names;
    if (typeof group !== 'string' || typeof kind !== 'string' || typeof plural !== 'string') continue;
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
    for (const version of versions) {
      if (typeof version.name !== 'string' || version.served === false) continue;
      kinds.set(`${group}/${version.name}/${kind}`, {
        group,
        version: version.name,
        kind,
        resource: plural,
        namespaced: spec.scope !== 'Cluster',
      });
    }
  }
  return kinds;
}
