// The narrow interfaces the reconcilers use to reach the outside (API server, registries, Git),
// so each reconciler states exactly what it needs and tests can pass the real implementations.
import type { CredentialProvider } from '../../registry/credentials.ts';
import type { ImageScanner } from '../automation/image-scanner.ts';
import type { EventInput } from '../kube/events.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import type {
  DriftFailure,
  DriftFight,
  DriftReport,
  IgnoreRule,
  OwnerRef,
  SyncRequest,
  SyncResult,
} from '../sync/types.ts';

/** Records a Kubernetes Event (controller/kube's EventRecorder fits). */
export interface EventSink {
  record(input: EventInput): Promise<void>;
}

/** Makes an ImageScanner that uses the given credentials (and platform for newest-build). */
export type ScannerFactory = (options: {
  credentials?: CredentialProvider;
  platform?: string;
}) => ImageScanner;

/** The sync loop of one GitSync: full syncs, plus drift reverts between them. */
export interface SyncEngine {
  sync(request: SyncRequest): Promise<SyncResult>;
  /** Stops drift watches. */
  stop(): Promise<void>;
}

/** Callbacks a SyncEngine reports drift through. */
export interface DriftHandlers {
  onDrift(report: DriftReport): void;
  onFight(fight: DriftFight): void;
  onFightEnded(ended: { id: string; object: string }): void;
  onFailure(failure: DriftFailure): void;
}

/** Makes the SyncEngine of one GitSync. */
export type SyncEngineFactory = (options: {
  owner: OwnerRef;
  ignore: IgnoreRule[];
  revertDrift: boolean;
  handlers: DriftHandlers;
  /** Who every request of the engine is made as (the GitSync's ServiceAccount); undefined: the controller. */
  impersonate: Impersonation | undefined;
}) => SyncEngine;
