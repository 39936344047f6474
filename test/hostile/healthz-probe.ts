// Asks a controller's /healthz every 100 ms, the way a kubelet liveness probe would (one request
// at a time on a new connection, each with its own timeout), and records how each answer went, so
// a test can show that the process kept answering while it chewed on hostile input.
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** The slowest /healthz answer tolerated: a kubelet's default probe timeout is 1 s; the test machine is shared. */
export const HEALTHZ_MAX_MS = 2_000;

/** One /healthz request. */
export interface ProbeSample {
  /** Milliseconds since the probe started. */
  at: number;
  /** HTTP status, or 0 when the request failed or timed out. */
  status: number;
  latencyMs: number;
  /** What the test was doing (see `HealthzProbe.phase`). */
  phase: string;
  /** Why the request failed, when it did. */
  error?: string;
}

/** A running probe. */
export interface HealthzProbe {
  /** Labels the samples taken from now on. */
  phase(name: string): void;
  /** Stops probing (after the request in flight) and returns every sample. */
  stop(): Promise<ProbeSample[]>;
}

/** One GET on a new connection (kubelet probes do not keep connections alive). */
function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

/** Starts probing `http://127.0.0.1:<port>/healthz` every `intervalMs` (default 100). */
export function probeHealthz(port: number, options: { intervalMs?: number; timeoutMs?: number } = {}) {
  const intervalMs = options.intervalMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const samples: ProbeSample[] = [];
  const started = performance.now();
  let stopped = false;
  let phase = '';
  const loop = async () => {
    while (!stopped) {
      const at = performance.now();
      const during = phase;
      let status = 0;
      let error: string | undefined;
      try {
        status = await getStatus(`http://127.0.0.1:${port}/healthz`, timeoutMs);
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      const latencyMs = performance.now() - at;
      samples.push({
        at: Math.round(at - started),
        status,
        latencyMs,
        phase: during,
        ...(error ? { error } : {}),
      });
      await sleep(Math.max(0, intervalMs - latencyMs));
    }
  };
  const running = loop();
  return {
    phase(name: string) {
      phase = name;
    },
    async stop() {
      stopped = true;
      await running;
      return samples;
    },
  } satisfies HealthzProbe;
}

/** One line for a test's output: count, median, p99, max and the slowest answers. */
export function describeProbe(summary: ReturnType<typeof summarize>): string {
  return `/healthz: ${summary.count} requests, median ${summary.medianMs} ms, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms; slowest: ${summary.slowest.join('; ')}`;
}

/** Count, failures, median and maximum latency of `samples`, in ms. */
export function summarize(samples: readonly ProbeSample[]) {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    count: samples.length,
    failed: samples.filter((s) => s.status !== 200),
    medianMs: Math.round(pick(0.5)),
    p99Ms: Math.round(pick(0.99)),
    maxMs: Math.round(latencies.at(-1) ?? 0),
    slowest: [...samples]
      .sort((a, b) => b.latencyMs - a.latencyMs)
      .slice(0, 5)
      .map((s) => `${Math.round(s.latencyMs)} ms at ${s.at} ms (${s.phase})`),
  };
}
