/**
 * What the Syncer tells the world: drift reports, fights and sync summaries as emitted events,
 * log lines and Kubernetes Events (on the affected object, related to the owner, and on the owner,
 * related to the object). Event writes run in the background and never fail a sync.
 */
import type { Logger } from 'pino';
import type { EventRecorder } from '../kube/events.ts';
import { describeRef, type ObjectRef } from '../kube/types.ts';
import { driftMessage, type RevertDetails } from './drift-report.ts';
import type { DriftTask } from './drift-watcher.ts';
import { describeFailure } from './errors.ts';
import type { RevertVerdict } from './revert-history.ts';
import type { DriftFailure, DriftFight, DriftReport, OwnerRef, SyncResult } from './types.ts';

/** Where reports go. */
export interface SyncReporterOptions {
  logger: Logger;
  owner: OwnerRef;
  /** Undefined: no Kubernetes Events. */
  events: EventRecorder | undefined;
  now: () => number;
  emitDrift: (report: DriftReport) => void;
  emitFight: (fight: DriftFight) => void;
  emitFightEnded: (ended: { id: string; object: string }) => void;
  emitDriftError: (failure: DriftFailure) => void;
}

/** Builds and delivers reports; keeps the fights in progress. */
export class SyncReporter {
  readonly #options: SyncReporterOptions;
  readonly #fights = new Map<string, DriftFight>();
  readonly #background = new Set<Promise<unknown>>();
  /** What the last sync failed on (empty when nothing failed), so a retry does not repeat events. */
  #lastFailure = '';
  #failedObjects = new Set<string>();

  constructor(options: SyncReporterOptions) {
    this.#options = options;
  }

  /** Objects currently in a fight. */
  fights(): DriftFight[] {
    return [...this.#fights.values()];
  }

  /** A revert was written: report it, and the fight it started, if any. */
  reverted(task: DriftTask, verdict: RevertVerdict, details: RevertDetails): void {
    const object = objectOf(task);
    const report: DriftReport = {
      id: task.id,
      object,
      kind: details.kind,
      changes: details.changes,
      managers: details.managers,
      message: driftMessage(object, details),
      detectedAt: task.detectedAt,
      revertedAt: this.#options.now(),
      attempt: verdict.attempt,
    };
    const latencyMs = report.revertedAt - report.detectedAt;
    this.#options.logger.info(
      { object, managers: report.managers, attempt: report.attempt, latencyMs },
      report.message,
    );
    this.#options.emitDrift(report);
    const ref = refOf(task);
    this.#event(ref, 'Normal', 'DriftReverted', 'RevertDrift', report.message);
    if (verdict.fightStarted) this.#fightStarted(task, verdict, details, ref);
  }

  #fightStarted(task: DriftTask, verdict: RevertVerdict, details: RevertDetails, ref: ObjectRef): void {
    const object = objectOf(task);
    const managers = details.managers.length > 0 ? details.managers.join(', ') : 'an unknown field manager';
    const fight: DriftFight = {
      id: task.id,
      object,
      managers: details.managers,
      reverts: verdict.recent,
      nextDelayMs: verdict.nextDelayMs,
      message:
        `${object} is being changed back repeatedly by ${managers} (${verdict.recent} reverts within the fight window); ` +
        `next revert after ${Math.round(verdict.nextDelayMs / 1000)}s. Change it in Git, or add an ignore rule.`,
    };
    this.#fights.set(task.id, fight);
    this.#options.logger.warn({ object, managers: fight.managers, reverts: fight.reverts }, 'drift fight');
    this.#options.emitFight(fight);
    this.#event(ref, 'Warning', 'DriftFight', 'RevertDrift', fight.message);
  }

  /** A revert failed (it is retried with backoff). */
  revertFailed(task: DriftTask, error: unknown): void {
    const object = objectOf(task);
    const { reason, message } = describeFailure(error, task.info.kind === 'Secret');
    this.#options.logger.warn({ object, reason, err: message }, 'drift revert failed');
    this.#options.emitDriftError({ id: task.id, object, message });
  }

  /** The object's fight (if any) is over: it stayed as in Git, or its desired state changed. */
  endFight(id: string): void {
    const fight = this.#fights.get(id);
    if (!fight) return;
    this.#fights.delete(id);
    this.#options.logger.info({ object: fight.object }, 'drift fight over');
    this.#options.emitFightEnded({ id, object: fight.object });
  }

  /**
   * A summary event on the owner when anything changed, or when what failed differs from the last
   * sync (a retry that fails the same way records nothing new), and one per newly failed object.
   */
  syncFinished(result: SyncResult, refOfId: (id: string) => ObjectRef | undefined): void {
    const { created, configured, recreated, pruned } = result.counts;
    const failed = result.objects.filter((o) => o.action === 'failed');
    const failures = failureLines(result);
    const signature = result.error
      ? `${result.error.code}: ${result.error.message}`
      : [...failures, result.pruneHeld ?? ''].join('\n');
    const repeated = signature === this.#lastFailure;
    this.#lastFailure = signature;
    if (result.error) {
      if (!repeated) this.#event(undefined, 'Warning', result.error.code, 'Sync', result.error.message);
      return;
    }
    const changed = created + configured + recreated + pruned > 0;
    if (changed || (failures.length > 0 && !repeated)) {
      const bad = failures.length > 0;
      this.#event(
        undefined,
        bad ? 'Warning' : 'Normal',
        bad ? 'SyncFailed' : 'Synced',
        'Sync',
        syncNote(result),
      );
    }
    for (const object of result.objects) {
      if (!object.adoptedFrom) continue;
      const managers = object.adoptedFrom.length > 0 ? object.adoptedFrom.join(', ') : 'none recorded';
      const note = `${object.object}: adopted (it existed without tagpilot's ownership label); previous field managers: ${managers}`;
      this.#event(refOfId(object.id), 'Normal', 'Adopted', 'Apply', note);
    }
    const before = this.#failedObjects;
    this.#failedObjects = new Set(failed.map((o) => `${o.id} ${o.reason ?? ''} ${o.message ?? ''}`));
    for (const object of failed) {
      if (before.has(`${object.id} ${object.reason ?? ''} ${object.message ?? ''}`)) continue;
      // An object that never rendered or could not be listed has no ref: the owner alone is told.
      const note = `${object.object}: ${object.message ?? object.reason ?? 'failed'}`;
      this.#event(refOfId(object.id), 'Warning', 'ApplyFailed', 'Apply', note);
    }
  }

  /** Waits for event writes in flight. */
  async flush(): Promise<void> {
    await Promise.allSettled(this.#background);
  }

  /** Records an event on the object (related: the owner) and on the owner (related: the object). */
  #event(
    regarding: ObjectRef | undefined,
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    note: string,
  ): void {
    const events = this.#options.events;
    if (!events) return;
    const owner: ObjectRef = { ...this.#options.owner };
    const writes = [events.record({ regarding: owner, related: regarding, type, reason, action, note })];
    if (regarding) writes.push(events.record({ regarding, related: owner, type, reason, action, note }));
    const all = Promise.all(writes);
    this.#background.add(all);
    all.finally(() => this.#background.delete(all)).catch(() => undefined);
  }
}

function objectOf(task: DriftTask): string {
  return describeRef({ kind: task.info.kind, namespace: task.namespace, name: task.name });
}

function refOf(task: DriftTask): ObjectRef {
  const apiVersion = task.info.group === '' ? task.info.version : `${task.info.group}/${task.info.version}`;
  return { apiVersion, kind: task.info.kind, name: task.name, namespace: task.namespace };
}

/** Names, with a count of the rest: `a, b, c and 4 more`. */
function listSome(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * What went wrong in a sync, one line each: render problems (`file:line: message`), then the
 * failed objects (`Kind ns/name: message`) that no problem already names.
 */
export function failureLines(result: SyncResult): string[] {
  const problems = result.problems.map((p) => `${p.path}:${p.line}: ${p.message}`);
  const named = new Set(result.problems.map((p) => p.message));
  const failed = result.objects
    .filter((o) => o.action === 'failed')
    .map((o) => `${o.object}: ${o.message ?? o.reason ?? 'failed'}`)
    .filter((line) => !named.has(line));
  return [...problems, ...failed];
}

/** The summary event's note: counts, then what failed and what was pruned, by name. */
export function syncNote(result: SyncResult): string {
  const { created, configured, recreated, pruned, failed } = result.counts;
  const parts = [
    `created ${created}, configured ${configured}, recreated ${recreated}, pruned ${pruned}, failed ${failed}`,
  ];
  const failures = failureLines(result);
  if (failures.length > 0) parts.push(`failed: ${listSome(failures)}`);
  const prunedNames = result.objects.filter((o) => o.action === 'pruned').map((o) => o.object);
  if (prunedNames.length > 0) parts.push(`pruned: ${listSome(prunedNames)}`);
  if (result.pruneHeld) parts.push(result.pruneHeld);
  return parts.join('; ');
}
