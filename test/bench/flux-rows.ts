// The rows of the `flux` scenario: tagpilot's series next to Flux's, with the targets of issue 16
// (first apply ≤ 0.5× Flux, no-op re-sync CPU ≤ 0.5× Flux, drift revert p95 ≤ 1 s, RSS ≤ 0.5×).
import { type Row, summarize } from './harness.ts';

/** What one side (tagpilot, or Flux's two controllers) measured. */
export interface SideResult {
  /** CR created → all 1,000 objects exist. */
  firstApplyMs: number;
  /** Timed no-op re-syncs; `cpuMs` per controller process. */
  noop: { ms: number; requests: number; cpuMs: number[] }[];
  /** RSS at 1,000 objects, all processes together, and per process. */
  rssMb: number;
  rssParts: number[];
  /** Git push returned → the Deployment has the new image. */
  commit: number[];
  /** kubectl scale: a watch sees the scaled count → it sees the Git count again. */
  drift: number[];
  /** How the drift tries were made, for the note. */
  driftMethod: string;
  /** Versions of the peer's binaries. */
  versions?: string;
}

const OURS = 'tagpilot GitSync';
const PEER = 'Flux GitRepository + Kustomization';
const PREFIX = 'vs Flux: ';
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const fixed = (value: number) => value.toFixed(0);

/** The rows of one run. */
export function fluxRows(scenario: string, ours: SideResult, flux: SideResult): Row[] {
  const series = (name: string, values: number[]) => ({ name, values });
  const cpuSplit = (side: number) =>
    fixed(summarize(flux.noop.map((run) => run.cpuMs[side] ?? Number.NaN)).median);
  const driftRow = { scenario, label: `${PREFIX}kubectl scale reverted`, unit: 'ms' as const };
  const driftOurs = series(OURS, ours.drift);
  const driftPeer = series(`${PEER} (interval 1m)`, flux.drift);
  return [
    {
      scenario,
      label: `${PREFIX}first apply, 1,000 objects`,
      unit: 'ms',
      ours: series(OURS, [ours.firstApplyMs]),
      peer: series(PEER, [flux.firstApplyMs]),
      target: { text: '≤ 0.5× Flux', maxRatio: 0.5 },
      note:
        'each side a fresh controller process, timed from `kubectl apply` of its CRs until a watch has seen ' +
        `all 1,000 objects; same Git server and kube-apiserver, a repository each; ${flux.versions ?? ''}`,
    },
    {
      scenario,
      label: `${PREFIX}no-op re-sync, 1,000 objects: time`,
      unit: 'ms',
      ours: series(
        OURS,
        ours.noop.map((run) => run.ms),
      ),
      peer: series(
        PEER,
        flux.noop.map((run) => run.ms),
      ),
      note:
        'asked for right after the previous sync (tagpilot: its reconcile-at annotation, dry-run cache warm; ' +
        'Flux: requestedAt on the GitRepository and the Kustomization, until both handled it)',
    },
    {
      scenario,
      label: `${PREFIX}no-op re-sync: API requests`,
      unit: 'requests',
      ours: series(
        OURS,
        ours.noop.map((run) => run.requests),
      ),
      peer: series(
        PEER,
        flux.noop.map((run) => run.requests),
      ),
      note: "kube-apiserver's apiserver_request_total during the re-sync, only that side running, trigger PATCHes subtracted",
    },
    {
      scenario,
      label: `${PREFIX}no-op re-sync: controller CPU`,
      unit: 'ms',
      ours: series(
        OURS,
        ours.noop.map((run) => sum(run.cpuMs)),
      ),
      peer: series(
        PEER,
        flux.noop.map((run) => sum(run.cpuMs)),
      ),
      target: { text: '≤ 0.5× Flux', maxRatio: 0.5 },
      note: `user + system CPU from /proc; Flux's median split: source-controller ${cpuSplit(0)} ms, kustomize-controller ${cpuSplit(1)} ms`,
    },
    {
      ...driftRow,
      statistic: 'p50',
      ours: driftOurs,
      peer: driftPeer,
      note:
        `a watch seeing replicas 4 → seeing 1 again; tagpilot: ${ours.driftMethod}; Flux: ${flux.driftMethod}, ` +
        `median ${fixed(summarize(flux.drift).median)} ms`,
    },
    {
      ...driftRow,
      statistic: 'p95',
      ours: driftOurs,
      peer: driftPeer,
      target: { text: 'p95 ≤ 1 s', maxValue: 1_000 },
    },
    {
      scenario,
      label: `${PREFIX}Git commit (one image line) → cluster`,
      unit: 'ms',
      ours: series(`${OURS} + /hooks/git`, ours.commit),
      peer: series(`${PEER} + requestedAt`, flux.commit),
      note:
        'from `git push` returning until a watch sees the new image; tagpilot told by its Git webhook, Flux by the ' +
        'reconcile.fluxcd.io/requestedAt annotation on the GitRepository (what its Receiver does; notification-controller ' +
        'is not served by the Go module proxy)',
    },
    {
      scenario,
      label: `${PREFIX}controller RSS, 1,000 objects`,
      unit: 'MB',
      ours: series('tagpilot', [ours.rssMb]),
      peer: series('source- + kustomize-controller', [flux.rssMb]),
      target: { text: '≤ 0.5× Flux', maxRatio: 0.5 },
      note:
        `median VmRSS after settling; Flux: source-controller ${fixed(flux.rssParts[0] ?? Number.NaN)} MB + ` +
        `kustomize-controller ${fixed(flux.rssParts[1] ?? Number.NaN)} MB`,
    },
  ];
}

/** The same rows, unmeasured, when Flux is not built here. */
export function fluxUnavailableRows(scenario: string, reason: string): Row[] {
  const labels = [
    'first apply, 1,000 objects',
    'no-op re-sync, 1,000 objects: time',
    'no-op re-sync: API requests',
    'no-op re-sync: controller CPU',
    'kubectl scale reverted',
    'Git commit (one image line) → cluster',
    'controller RSS, 1,000 objects',
  ];
  return labels.map((label) => ({
    scenario,
    label: `${PREFIX}${label}`,
    unit: 'ms',
    ours: { name: OURS, values: [] },
    unavailable: reason,
  }));
}
