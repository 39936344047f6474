// What the GitSync reconciler does when its sync engine reports drift between syncs: count it,
// note it in the GitSync's state (carried into every later status write), patch the condition at
// once (a revert happens within a second; status should say so as fast), and raise an Event when a
// revert failed.
import type { ConditionUpdate } from '../api/conditions.ts';
import type { GitSync } from '../api/types.ts';
import type { Metrics } from '../metrics.ts';
import { type GitSyncState, intervalsOf, readyCondition } from './gitsync-state.ts';
import { healthAfterChange } from './gitsync-status.ts';
import { recordEventAbout } from './object-events.ts';
import type { DriftHandlers, EventSink } from './ports.ts';

/** What the drift handlers of one GitSync need. */
export interface DriftHandlerContext {
  gitsync: GitSync;
  /** The state the handlers record drift in (a lazily bound one: it is made with the engine). */
  state: () => GitSyncState | undefined;
  events: EventSink;
  metrics?: Metrics | undefined;
  now: () => number;
  /** Patches these conditions onto the GitSync's status now (errors are logged, not thrown). */
  patchConditions: (updates: ConditionUpdate[]) => Promise<void>;
}

/** The handlers a GitSync's SyncEngine reports drift, fights and failed reverts through. */
export function driftHandlers(context: DriftHandlerContext): DriftHandlers {
  const { metrics } = context;
  const kindOf = (object: string) => object.split(' ')[0] ?? '';
  const note = (update: ConditionUpdate, set: (state: GitSyncState) => void) => {
    const state = context.state();
    if (state) set(state);
    void context.patchConditions([update]);
  };
  return {
    onDrift: (report) => {
      metrics?.driftReverts.inc({ kind: kindOf(report.object), manager: report.managers[0] ?? 'unknown' });
      const drift: ConditionUpdate = {
        type: 'DriftDetected',
        status: 'True',
        reason: 'DriftReverted',
        message: report.message,
      };
      note(drift, (state) => {
        state.drift = drift;
        state.driftAt = context.now();
      });
    },
    onFight: (fight) => {
      metrics?.driftFights.inc({ kind: kindOf(fight.object) });
      const condition: ConditionUpdate = {
        type: 'DriftFight',
        status: 'True',
        reason: 'RevertsBackedOff',
        message: fight.message,
      };
      note(condition, (state) => {
        state.fight = condition;
      });
    },
    onFightEnded: (ended) => {
      if (!context.state()?.fight) return;
      const condition: ConditionUpdate = {
        type: 'DriftFight',
        status: 'False',
        reason: 'Settled',
        message: `${ended.object} stayed as in Git`,
      };
      note(condition, (state) => {
        state.fight = condition;
      });
    },
    onHealth: (verdicts) => {
      const state = context.state();
      if (!state) return;
      const index = state.syncConditions.findIndex((c) => c.type === 'Healthy');
      const next = healthAfterChange(state.syncConditions[index], verdicts);
      if (!next) return;
      const previous = state.syncConditions[index];
      state.syncConditions = state.syncConditions.map((c, i) => (i === index ? next : c));
      if (previous?.status === next.status && previous.message === next.message) return;
      // Ready follows Healthy when the GitSync waits for it (spec.sync.wait).
      const ready = readyCondition(state, { intervals: intervalsOf(context.gitsync), now: context.now() });
      void context.patchConditions([next, ready]);
    },
    onFailure: (failure) => {
      void recordEventAbout(context.events, context.gitsync, {
        type: 'Warning',
        reason: 'DriftRevertFailed',
        action: 'RevertDrift',
        note: `${failure.object}: ${failure.message}`,
      });
    },
  };
}
