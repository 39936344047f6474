/**
 * Fields tagpilot leaves alone: ignore rules from the GitSync spec, and `/spec/replicas` of a
 * workload that a HorizontalPodAutoscaler scales. Such fields are cut from the applied body and
 * released from tagpilot's field ownership, so an apply neither sets nor deletes them.
 */
import { isRecord, type KubeObject } from '../kube/types.ts';
import { type JsonPath, parsePointer, removePath, resolvePath } from './json-values.ts';
import type { DesiredObject, IgnoreRule } from './types.ts';

/** The body to apply and the pointer keys tagpilot must not own. */
export interface ApplyPlan {
  body: KubeObject;
  release: string[][];
}

const REPLICAS = ['spec', 'replicas'];

/** Kinds an HPA can scale through `/spec/replicas`. */
export const SCALABLE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** Cuts ignored paths (and HPA-managed replicas) out of the desired object. */
export function planApply(
  desired: DesiredObject,
  rules: readonly IgnoreRule[],
  hpaTargets: ReadonlySet<string>,
): ApplyPlan {
  const release: string[][] = [];
  for (const rule of rules) {
    if (!ruleMatches(rule, desired)) continue;
    for (const pointer of rule.paths) release.push(parsePointer(pointer));
  }
  if (hpaTargets.has(scaleTargetKey(desired.entry.namespace, desired.entry.kind, desired.entry.name))) {
    release.push(REPLICAS);
  }
  if (release.length === 0) return { body: desired.object, release };
  const body = structuredClone(desired.object);
  const paths = release.map((keys) => resolvePath(body, keys)).filter((p) => p !== undefined);
  paths.sort(removalOrder);
  for (const path of paths) removePath(body, path);
  return { body, release };
}

/** Later array items and deeper paths first, so removing one path never shifts another. */
function removalOrder(a: JsonPath, b: JsonPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(x).localeCompare(String(y));
  }
  return b.length - a.length;
}

function ruleMatches(rule: IgnoreRule, desired: DesiredObject): boolean {
  const { kind, name, namespace } = rule.target;
  if (kind !== undefined && kind !== desired.entry.kind) return false;
  if (name !== undefined && name !== desired.entry.name) return false;
  if (namespace !== undefined && namespace !== desired.entry.namespace) return false;
  return true;
}

/** Key of a workload an HPA can target. */
export function scaleTargetKey(namespace: string, kind: string, name: string): string {
  return `${namespace}/${kind}/${name}`;
}

/** The workloads targeted by HorizontalPodAutoscalers (`autoscaling/v1` or `v2`). */
export function hpaTargetsOf(hpas: readonly KubeObject[]): Set<string> {
  const targets = new Set<string>();
  for (const hpa of hpas) {
    if (hpa.kind !== 'HorizontalPodAutoscaler' || !hpa.apiVersion.startsWith('autoscaling/')) continue;
    const spec = isRecord(hpa.spec) ? hpa.spec : {};
    const ref = isRecord(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
    if (typeof ref.kind !== 'string' || typeof ref.name !== 'string') continue;
    targets.add(scaleTargetKey(hpa.metadata.namespace ?? '', ref.kind, ref.name));
  }
  return targets;
}
