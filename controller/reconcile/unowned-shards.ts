// Which labelled objects no controller runs (docs/sharding.md "Caveats"), decided without I/O:
//
// 1. A shard key has an owner when its Lease exists, names a holder, and `renewTime +
//    leaseDurationSeconds` (plus a small allowance for the holder's clock being behind ours) is not
//    in the past. `""` and values that are not shard keys (`shardKeyProblem`, or a Lease name that
//    would not be a Kubernetes name, as for `Team_A`) never have one: no controller can start with them.
// 2. A key without an owner starts an episode at the first check that sees it so; its objects are
//    reported only once the episode has lasted `graceMs` (on the monotonic clock, across checks),
//    so a normal leader failover (a Lease that expires for a few seconds) says nothing. A key that
//    can never have an owner is reported at once: no failover can fix it.
// 3. Each object is reported (one Event) once per episode; the episode ends when the key has an
//    owner again or no object carries it any more, and a later one reports the objects again.
// 4. A key whose Lease could not be read keeps its state: an unknown is no reason to report, nor to
//    forget a report.
import { SHARD_LABEL, shardKeyProblem, shardLeaseName, shardLeaseProblem } from '../api/sharding.ts';

/** The fields of a coordination.k8s.io/v1 Lease that decide whether it has a live holder. */
export interface LeaseView {
  holderIdentity?: string | undefined;
  renewTime?: string | undefined;
  leaseDurationSeconds?: number | undefined;
}

/** How long a holder's clock may be behind ours before its Lease reads as expired. Default 5 s. */
export const DEFAULT_CLOCK_SKEW_MS = 5000;

/** Why `lease` has no live holder at wall time `nowMs`, or undefined when it has one. */
export function leaseProblem(
  lease: LeaseView | undefined,
  nowMs: number,
  skewMs = DEFAULT_CLOCK_SKEW_MS,
): { problem: string; since?: number } | undefined {
  if (lease === undefined) return { problem: 'does not exist' };
  const renewed = lease.renewTime === undefined ? Number.NaN : Date.parse(lease.renewTime);
  const expires = renewed + (lease.leaseDurationSeconds ?? 0) * 1000;
  const since = Number.isFinite(expires) ? { since: expires } : {};
  if (!lease.holderIdentity) return { problem: 'has no holder', ...since };
  if (!Number.isFinite(expires)) return { problem: 'has no renewTime' };
  if (expires + skewMs < nowMs) return { problem: 'has no live holder', since: expires };
  return undefined;
}

/** One labelled object, as much of it as a report needs. */
export interface LabelledObject {
  kind: 'GitSync' | 'ImagePolicy';
  apiVersion: string;
  namespace: string;
  name: string;
  uid: string;
  /** The value of `sharding.tagpilot.io/key`. */
  shardKey: string;
}

/** What one check saw of a shard key: an owner, no owner (and why), or unknown (the Lease read failed). */
export type ShardState =
  | { owned: true }
  | { owned: false; why: string; invalid: boolean }
  | { owned: 'unknown' };

/** One object to report with a Warning Event `ShardNotRunning`. */
export interface UnownedReport {
  object: LabelledObject;
  note: string;
}

/** What a check found: new reports, the gauge's counts, and episodes that began or ended being reported. */
export interface CheckOutcome {
  reports: UnownedReport[];
  /** Objects reported as unowned now, by kind and key (the gauge's values; absent means 0). */
  counts: { kind: LabelledObject['kind']; shardKey: string; count: number }[];
  /** Keys whose episode reached its grace period at this check (one log line each). */
  started: { shardKey: string; why: string; objects: number }[];
  /** Keys reported before whose shard runs again, or that no object carries any more. */
  ended: string[];
}

interface Episode {
  /** Monotonic time of the first check that saw the key without an owner. */
  firstSeen: number;
  /** Whether the grace period has passed (objects are being reported). */
  reporting: boolean;
  /** UIDs reported in this episode. */
  reported: Set<string>;
}

/** The note of a `ShardNotRunning` Event: what is wrong and what a user can do. */
export function unownedNote(object: LabelledObject, why: string, invalid: boolean): string {
  if (invalid) {
    return `no controller can own this ${object.kind}: the label ${SHARD_LABEL}=${JSON.stringify(object.shardKey)} ${why}; it is not reconciled. Set the label to the key of a running shard, or remove it for the unsharded controller`;
  }
  return `no controller runs shard ${JSON.stringify(object.shardKey)}: ${why}; this ${object.kind} is not reconciled. Start a controller with --shard-key ${object.shardKey} or change the label ${SHARD_LABEL}`;
}

/** What a shard key's Lease says, as a ShardState (`lease` undefined: not found; 'error': not read). */
export function shardState(
  shardKey: string,
  lease: LeaseView | undefined | 'error',
  where: { namespace: string; leaseId: string; nowMs: number; skewMs?: number },
): ShardState {
  const invalid = shardKeyProblem(shardKey) ?? shardLeaseProblem(where.leaseId, shardKey);
  if (invalid !== undefined) return { owned: false, why: invalidWhy(shardKey, invalid), invalid: true };
  if (lease === 'error') return { owned: 'unknown' };
  const problem = leaseProblem(lease, where.nowMs, where.skewMs);
  if (problem === undefined) return { owned: true };
  const name = `${where.namespace}/${shardLeaseName(where.leaseId, shardKey)}`;
  const since = problem.since === undefined ? '' : ` since ${new Date(problem.since).toISOString()}`;
  return { owned: false, why: `Lease ${name} ${problem.problem}${since}`, invalid: false };
}

function invalidWhy(shardKey: string, problem: string): string {
  if (shardKey === '') return 'is empty, and the unsharded controller owns only objects without the label';
  return `is not a shard key (${problem.replace(`"${shardKey}" `, '')})`;
}

/** Tracks episodes across checks (rules 2-4 above); one instance per leadership term. */
export class UnownedShardEpisodes {
  readonly #graceMs: number;
  readonly #episodes = new Map<string, Episode>();

  /** `graceMs`: how long a key must be seen without an owner before its objects are reported. */
  constructor(options: { graceMs: number }) {
    this.#graceMs = options.graceMs;
  }

  /** Folds one check in: the labelled objects listed and the state of each key they carry. */
  observe(
    at: number,
    objects: readonly LabelledObject[],
    states: ReadonlyMap<string, ShardState>,
  ): CheckOutcome {
    const outcome: CheckOutcome = { reports: [], counts: [], started: [], ended: [] };
    const byKey = groupByKey(objects);
    for (const [shardKey, episode] of this.#episodes) {
      const state = states.get(shardKey);
      if (byKey.has(shardKey) && state?.owned !== true) continue;
      this.#episodes.delete(shardKey);
      if (episode.reporting) outcome.ended.push(shardKey);
    }
    for (const [shardKey, keyed] of byKey) {
      const state = states.get(shardKey) ?? { owned: 'unknown' };
      if (state.owned === true) continue;
      const episode = this.#episodes.get(shardKey) ?? this.#begin(shardKey, at, state);
      if (!episode) continue;
      if (
        state.owned === false &&
        !episode.reporting &&
        (state.invalid || at - episode.firstSeen >= this.#graceMs)
      ) {
        episode.reporting = true;
        outcome.started.push({ shardKey, why: state.why, objects: keyed.length });
      }
      if (!episode.reporting) continue;
      this.#report(episode, keyed, state, outcome);
    }
    return outcome;
  }

  #begin(shardKey: string, at: number, state: ShardState): Episode | undefined {
    if (state.owned !== false) return undefined;
    const episode: Episode = { firstSeen: at, reporting: false, reported: new Set() };
    this.#episodes.set(shardKey, episode);
    return episode;
  }

  #report(episode: Episode, keyed: LabelledObject[], state: ShardState, outcome: CheckOutcome): void {
    const counts = new Map<LabelledObject['kind'], number>();
    for (const object of keyed) {
      counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
      // An unknown state (a Lease read failed) keeps the report of earlier checks but adds no Event.
      if (state.owned !== false || episode.reported.has(object.uid)) continue;
      episode.reported.add(object.uid);
      outcome.reports.push({ object, note: unownedNote(object, state.why, state.invalid) });
    }
    const shardKey = keyed[0]?.shardKey ?? '';
    for (const [kind, count] of counts) outcome.counts.push({ kind, shardKey, count });
  }
}

function groupByKey(objects: readonly LabelledObject[]): Map<string, LabelledObject[]> {
  const byKey = new Map<string, LabelledObject[]>();
  for (const object of objects) {
    const list = byKey.get(object.shardKey);
    if (list) list.push(object);
    else byKey.set(object.shardKey, [object]);
  }
  return byKey;
}
