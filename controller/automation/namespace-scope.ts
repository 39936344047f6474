// Where a GitSync's namespaced objects land, and (with `--no-cross-namespace-refs`) must stay: the
// namespace of each workload and marker document, which the ImagePolicies it names and the pull
// secrets it reads must be in.
import type { GitSync } from '../api/types.ts';
import { type ManifestSet, toKubeObjects } from '../manifests/index.ts';

/** Where a GitSync's namespaced objects land. */
export interface NamespaceScope {
  /** For objects that name none: targetNamespace, else the GitSync's own. */
  defaultNamespace: string;
  /** The only namespace allowed, when confined. */
  confineTo: string | undefined;
  /** Confined with a targetNamespace: it replaces every object's own namespace (as the sync does). */
  override: boolean;
}

/** The scope of `gitsync`; `confineTo` is set with `--no-cross-namespace-refs`. */
export function namespaceScope(gitsync: GitSync, confineTo: string | undefined): NamespaceScope {
  const target = gitsync.spec.targetNamespace;
  return {
    defaultNamespace: target ?? gitsync.metadata.namespace ?? 'default',
    confineTo,
    override: confineTo !== undefined && target !== undefined,
  };
}

/** The namespace an object ends up in: the override, else its own, else the default. */
export function effectiveNamespace(scope: NamespaceScope, written: string | undefined): string {
  if (scope.override) return scope.defaultNamespace;
  return written ?? scope.defaultNamespace;
}

/** The namespace of each workload and marker document, where the ImagePolicies it names must be. */
export function referrerNamespaces(
  set: ManifestSet,
  scope: NamespaceScope,
): (at: { path: string; index: number; written: string | undefined }) => string {
  const documents = new Map<string, string | undefined>();
  for (const { path, index, object } of toKubeObjects(set).objects) {
    const namespace = (object.metadata as { namespace?: unknown } | undefined)?.namespace;
    documents.set(
      `${path}#${index}`,
      typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
    );
  }
  return ({ path, index, written }) =>
    effectiveNamespace(scope, written ?? documents.get(`${path}#${index}`));
}
