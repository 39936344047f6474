import type { KubeClient } from './client.ts';
import { apiVersionOf, resourcePath } from './discovery.ts';
import { isKubeError, KubeError } from './errors.ts';
import { describeRef, isKubeObject, isRecord, type KubeObject, type ResourceInfo } from './types.ts';

/** Options of a server-side apply. */
export interface ApplyOptions {
  /** The field manager that owns what is applied (tagpilot uses `tagpilot`, never renamed). */
  fieldManager: string;
  /** Take fields from other managers on conflict. Default true. */
  force?: boolean;
  /** Validate and compute the result without persisting it (`dryRun=All`). Default false. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** Options of a delete. */
export interface DeleteOptions {
  /** Delete only this incarnation of the object (a precondition). */
  uid?: string | undefined;
  /** Default `Background`. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  dryRun?: boolean;
}

/** A list answer: its items (with apiVersion/kind filled in) and the list's resourceVersion. */
export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

/** Object reads and writes on top of `KubeClient`, addressed by discovery's `ResourceInfo`. */
export class KubeApi {
  readonly client: KubeClient;

  constructor(client: KubeClient) {
    this.client = client;
  }

  /** The object, or undefined when it does not exist. */
  async get(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      const body = await this.client.request({
        method: 'GET',
        path: resourcePath(info, namespace, name),
        what: `get ${describeRef({ kind: info.kind, namespace, name })}`,
      });
      return asObject(body, info);
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** Every object of a kind (all namespaces unless one is given), following `continue` tokens. */
  async list(
    info: ResourceInfo,
    options: { namespace?: string | undefined; labelSelector?: string | undefined; pageSize?: number } = {},
  ): Promise<ObjectList> {
    const items: KubeObject[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    do {
      const body = await this.client.request({
        method: 'GET',
        path: resourcePath(info, options.namespace),
        query: { labelSelector: options.labelSelector, limit: options.pageSize ?? 500, continue: token },
        what: `list ${info.resource}.${info.group || 'core'}${info.namespaced && options.namespace ? ` in ${options.namespace}` : ''}`,
      });
      if (!isRecord(body) || !Array.isArray(body.items) || !isRecord(body.metadata)) {
        throw new KubeError('InvalidResponse', `list ${info.resource}: not a list`);
      }
      for (const item of body.items) items.push(asObject(fillKind(item, info), info));
      resourceVersion = String(body.metadata.resourceVersion ?? '');
      token =
        typeof body.metadata.continue === 'string' && body.metadata.continue !== ''
          ? body.metadata.continue
          : undefined;
    } while (token);
    return { items, resourceVersion };
  }

  /**
   * Server-side apply as a raw `application/apply-patch+yaml` PATCH (JSON is YAML), so fields
   * that no typed model knows pass through untouched.
   */
  async apply(info: ResourceInfo, object: KubeObject, options: ApplyOptions): Promise<KubeObject> {
    const { name, namespace } = object.metadata;
    if (typeof name !== 'string' || name === '')
      throw new KubeError('Invalid', `${object.kind} without a name`);
    const body = await this.client.request({
      method: 'PATCH',
      path: resourcePath(info, namespace, name),
      query: {
        fieldManager: options.fieldManager,
        force: options.force ?? true,
        dryRun: options.dryRun ? 'All' : undefined,
      },
      body: object,
      contentType: 'application/apply-patch+yaml',
      signal: options.signal,
      what: `${options.dryRun ? 'dry-run apply' : 'apply'} ${describeRef({ kind: info.kind, namespace, name })}`,
    });
    return asObject(body, info);
  }

  /** A JSON patch (RFC 6902) of one object. */
  async jsonPatch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    operations: readonly unknown[],
  ): Promise<KubeObject> {
    const body = await this.client.request({
      method: 'PATCH',
      path: resourcePath(info, namespace, name),
      body: operations,
      contentType: 'application/json-patch+json',
      what: `patch ${describeRef({ kind: info.kind, namespace, name })}`,
    });
    return asObject(body, info);
  }

  /** Creates an object in a collection (used for Events). */
  async create(
    info: ResourceInfo,
    namespace: string | undefined,
    object: Record<string, unknown>,
  ): Promise<KubeObject> {
    const body = await this.client.request({
      method: 'POST',
      path: resourcePath(info, namespace),
      body: object,
      what: `create ${info.kind}`,
    });
    return asObject(body, info);
  }

  /** Deletes an object; false when it was already gone. */
  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    const body: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy ?? 'Background',
    };
    if (options.uid) body.preconditions = { uid: options.uid };
    if (options.dryRun) body.dryRun = ['All'];
    try {
      await this.client.request({
        method: 'DELETE',
        path: resourcePath(info, namespace, name),
        body,
        what: `delete ${describeRef({ kind: info.kind, namespace, name })}`,
      });
      return true;
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return false;
      throw error;
    }
  }
}

function fillKind(item: unknown, info: ResourceInfo): unknown {
  if (!isRecord(item)) return item;
  // List items of built-in kinds come without apiVersion/kind.
  return { apiVersion: apiVersionOf(info), kind: info.kind, ...item };
}

function asObject(body: unknown, info: ResourceInfo): KubeObject {
  if (isKubeObject(body)) return body;
  throw new KubeError('InvalidResponse', `expected a ${info.kind} object from the API server`);
}
