/**
 * Applies one object so that the cluster matches Git with as few writes as possible:
 * 1. move fields left by kubectl edits to tagpilot (and drop fields it must stop owning),
 * 2. dry-run the server-side apply and compare it with the live object,
 * 3. write only when they differ.
 * An object that is not known to exist (not in the labelled list) is applied directly: it has to
 * be written anyway, if only to gain the ownership label.
 */
import type { KubeApi } from '../kube/api.ts';
import { isKubeError } from '../kube/errors.ts';
import { describeRef, type KubeObject } from '../kube/types.ts';
import { ImmutableFieldError, immutableFieldsOf } from './errors.ts';
import { applyEntryOf, rewriteManagedFields } from './field-ownership.ts';
import { type JsonPath, resolvePath, sameState } from './json-values.ts';
import type { DesiredObject } from './types.ts';

/** What `applyObject` needs besides the object. */
export interface ApplyContext {
  api: KubeApi;
  fieldManager: string;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How long a delete-and-recreate waits for the old object to go. Default 30 s. */
  recreateTimeoutMs?: number;
}

/** One object to apply. */
export interface ApplyInput {
  desired: DesiredObject;
  /** The body to send: the desired object minus ignored paths. */
  body: KubeObject;
  /** Pointer keys (e.g. `['spec','replicas']`) tagpilot must not own. */
  release: readonly (readonly string[])[];
  /** The live object; `null` when known not to exist; `undefined` when unknown. */
  live: KubeObject | null | undefined;
}

/** What happened. */
export interface ApplyOutcome {
  action: 'created' | 'configured' | 'unchanged' | 'recreated';
  /** The object before (undefined when it did not exist or was not read). */
  before: KubeObject | undefined;
  /** The object as the server has it now. */
  after: KubeObject;
  /** Writes made: applies, managedFields patches, deletes. */
  writes: number;
  tookOverFrom: string[];
}

/** Makes one object match Git; throws KubeError or ImmutableFieldError. */
export async function applyObject(ctx: ApplyContext, input: ApplyInput): Promise<ApplyOutcome> {
  // With fields to leave alone, know whether the object exists: a new object gets them from Git.
  const live =
    input.live === undefined && input.release.length > 0 ? ((await getLive(ctx, input)) ?? null) : input.live;
  if (live === undefined) return applyUnknown(ctx, input);
  if (live === null) return create(ctx, input);
  const state: ApplyState = { writes: 0, tookOverFrom: [] };
  const current = await takeOver(ctx, input, live, state);
  return finish(ctx, input, live, current, state);
}

/**
 * Creates the object with every field from Git, ignored ones included (an HPA target starts at
 * Git's replica count), then lets go of the ignored fields so later applies leave them alone.
 */
async function create(ctx: ApplyContext, input: ApplyInput): Promise<ApplyOutcome> {
  const full = { ...input, body: input.desired.object };
  const created = await apply(ctx, full, 'write');
  const state: ApplyState = { writes: 1, tookOverFrom: [] };
  const after = input.release.length > 0 ? await takeOver(ctx, input, created, state) : created;
  return { action: 'created', before: undefined, after, writes: state.writes, tookOverFrom: [] };
}

interface ApplyState {
  writes: number;
  tookOverFrom: string[];
}

async function applyUnknown(ctx: ApplyContext, input: ApplyInput): Promise<ApplyOutcome> {
  let after: KubeObject;
  try {
    after = await apply(ctx, input, 'write');
  } catch (error) {
    const live =
      input.desired.recreate && immutableFieldsOf(error) !== undefined
        ? await getLive(ctx, input)
        : undefined;
    if (!live) throw error;
    const state: ApplyState = { writes: 0, tookOverFrom: [] };
    return finish(ctx, input, live, await takeOver(ctx, input, live, state), state);
  }
  const created = (after.metadata.managedFields ?? []).every((e) => e.manager === ctx.fieldManager);
  const state: ApplyState = { writes: 1, tookOverFrom: [] };
  const current = await takeOver(ctx, input, after, state);
  if (state.writes === 1) {
    return {
      action: created ? 'created' : 'configured',
      before: undefined,
      after,
      writes: 1,
      tookOverFrom: [],
    };
  }
  const outcome = await finish(ctx, input, undefined, current, state);
  return { ...outcome, action: 'configured' };
}

/** Dry-run, compare, and write when the result differs from `current`. */
async function finish(
  ctx: ApplyContext,
  input: ApplyInput,
  before: KubeObject | undefined,
  current: KubeObject,
  state: ApplyState,
): Promise<ApplyOutcome> {
  const base = { before, writes: state.writes, tookOverFrom: state.tookOverFrom };
  let dry: KubeObject;
  try {
    dry = await apply(ctx, input, 'dry-run');
  } catch (error) {
    if (!input.desired.recreate || immutableFieldsOf(error) === undefined) throw error;
    const after = await recreate(ctx, input, current);
    return { ...base, action: 'recreated', after, writes: state.writes + 2 };
  }
  if (sameState(dry, current)) {
    return { ...base, action: state.writes > 0 ? 'configured' : 'unchanged', after: current };
  }
  const after = await apply(ctx, input, 'write');
  return { ...base, action: 'configured', after, writes: state.writes + 1 };
}

/** Rewrites managedFields when kubectl edits own fields or released paths are still ours. */
async function takeOver(
  ctx: ApplyContext,
  input: ApplyInput,
  live: KubeObject,
  state: ApplyState,
): Promise<KubeObject> {
  let current = live;
  for (let attempt = 0; attempt < 3; attempt++) {
    const rewrite = rewriteManagedFields(current.metadata.managedFields ?? [], {
      fieldManager: ctx.fieldManager,
      apiVersion: input.body.apiVersion,
      release: resolveRelease(current, input.release),
      object: current,
      time: new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    if (!rewrite) return current;
    try {
      const patched = await ctx.api.jsonPatch(input.desired.info, current.metadata.namespace, nameOf(input), [
        { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
        { op: 'replace', path: '/metadata/managedFields', value: rewrite.entries },
      ]);
      state.writes++;
      state.tookOverFrom.push(...rewrite.tookOverFrom.filter((m) => !state.tookOverFrom.includes(m)));
      return patched;
    } catch (error) {
      // The object changed since it was read (the test operation failed): read it again.
      if (!isKubeError(error, 'Invalid') && !isKubeError(error, 'Conflict')) throw error;
      const fresh = await ctx.api.get(input.desired.info, current.metadata.namespace, nameOf(input));
      if (!fresh) return current;
      current = fresh;
    }
  }
  return current;
}

function resolveRelease(live: KubeObject, release: readonly (readonly string[])[]): JsonPath[] {
  return release.map((keys) => resolvePath(live, keys)).filter((path) => path !== undefined);
}

async function apply(ctx: ApplyContext, input: ApplyInput, mode: 'dry-run' | 'write'): Promise<KubeObject> {
  const dryRun = mode === 'dry-run';
  try {
    return await ctx.api.apply(input.desired.info, input.body, {
      fieldManager: ctx.fieldManager,
      force: true,
      dryRun,
    });
  } catch (error) {
    const fields = immutableFieldsOf(error);
    if (fields === undefined || input.desired.recreate) throw error;
    throw new ImmutableFieldError(describeRef(input.desired.entry), fields, error);
  }
}

/** Deletes the object (this incarnation only), waits until it is gone, applies it again. */
async function recreate(ctx: ApplyContext, input: ApplyInput, current: KubeObject): Promise<KubeObject> {
  const { info } = input.desired;
  const namespace = current.metadata.namespace;
  await ctx.api.delete(info, namespace, nameOf(input), {
    uid: current.metadata.uid,
    propagationPolicy: 'Background',
  });
  const deadline = ctx.now() + (ctx.recreateTimeoutMs ?? 30_000);
  while ((await ctx.api.get(info, namespace, nameOf(input)))?.metadata.uid === current.metadata.uid) {
    if (ctx.now() > deadline) {
      throw new ImmutableFieldError(
        describeRef(input.desired.entry),
        [],
        new Error('the old object did not go away'),
      );
    }
    await ctx.sleep(100);
  }
  return apply(ctx, input, 'write');
}

function getLive(ctx: ApplyContext, input: ApplyInput): Promise<KubeObject | undefined> {
  return ctx.api.get(input.desired.info, input.body.metadata.namespace, nameOf(input));
}

function nameOf(input: ApplyInput): string {
  return input.desired.entry.name;
}

/** True when tagpilot's Apply entry exists on the object (it was applied by tagpilot before). */
export function appliedBy(object: KubeObject, fieldManager: string): boolean {
  return applyEntryOf(object.metadata.managedFields ?? [], fieldManager) !== undefined;
}
