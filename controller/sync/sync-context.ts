// What one sync run is handed: the API, discovery and the per-GitSync state the Syncer keeps
// (mutex, own writes, verified states, parse cache), and the rendered objects it manages.
import type { Logger } from 'pino';
import type { KubeApi } from '../kube/api.ts';
import type { Discovery } from '../kube/discovery.ts';
import type { KubeObject } from '../kube/types.ts';
import type { KeyedMutex } from '../util/keyed-mutex.ts';
import type { ApplyPlan } from './ignore-rules.ts';
import type { ParseCache } from './render.ts';
import type { DesiredObject, HealthVerdict, IgnoreRule, ObjectResult } from './types.ts';
import type { VerifiedStates } from './verified-states.ts';

/** A rendered object with the body and releases it is applied with. */
export interface ManagedObject {
  desired: DesiredObject;
  plan: ApplyPlan;
}

/** What a sync run needs. */
export interface SyncContext {
  api: KubeApi;
  discovery: Discovery;
  logger: Logger;
  fieldManager: string;
  ownerLabelValue: string;
  concurrency: number;
  ignore: readonly IgnoreRule[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How long to wait for a CRD to become Established. */
  crdTimeoutMs: number;
  mutex: KeyedMutex;
  /** Called with every object tagpilot wrote (to recognise its own watch events). */
  recordWrite: (id: string, object: KubeObject) => void;
  /** Called with the new desired state after applying, before pruning. */
  publishDesired: (managed: Map<string, ManagedObject>) => Promise<void>;
  /**
   * Installs one object's new desired state the moment it is applied (under its mutex), so a drift
   * revert that runs before the whole sync ends never writes the previous commit's state back.
   */
  publishOne: (id: string, managed: ManagedObject) => void;
  /** Objects known to match their body at a resourceVersion: their dry run is skipped. */
  verified: VerifiedStates;
  /** Parsed manifest files, reused while unchanged. */
  parseCache: ParseCache;
}

/** What a sync run has done so far. */
export interface RunState {
  results: ObjectResult[];
  health: HealthVerdict[];
  writes: number;
}
