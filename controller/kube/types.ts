/** Shapes of Kubernetes objects as far as tagpilot reads them; everything else passes through. */

/** One `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  /** Field set in the structured-merge-diff `FieldsV1` form (`f:spec` → `f:replicas` → `{}`). */
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** The object metadata fields tagpilot reads. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** Any Kubernetes object: apiVersion, kind, metadata, and whatever else it carries. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** What discovery knows about one kind: where it lives in the REST API and its scope. */
export interface ResourceInfo {
  /** `''` for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in URLs, e.g. `deployments`. */
  resource: string;
  namespaced: boolean;
}

/** Names one object. `namespace` is absent for cluster-scoped objects. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

/** `group/version` → `{group, version}`; `v1` is the core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash === -1) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The apiVersion string of a group and version. */
export function joinApiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows an unknown JSON value to a KubeObject (apiVersion, kind and a metadata map). */
export function isKubeObject(value: unknown): value is KubeObject {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    isRecord(value.metadata)
  );
}

/** `Kind ns/name` or `Kind name` for messages. */
export function describeRef(ref: {
  kind: string;
  name?: string | undefined;
  namespace?: string | undefined;
}): string {
  const name = ref.name ?? '<unnamed>';
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${name}` : `${ref.kind} ${name}`;
}

/** One API request. Paths start with `/api` or `/apis`. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  /** Default `application/json`. */
  accept?: string;
  signal?: AbortSignal;
  /** Names the request in error messages, e.g. `apply Deployment my-demo/fluxdemo`. */
  what?: string;
  /**
   * Whether sending the request twice cannot act twice, so a 5xx or a cut connection may be retried.
   * Default: guessed from method, content type and body (see `isIdempotent` in `retry.ts`).
   */
  idempotent?: boolean;
}
