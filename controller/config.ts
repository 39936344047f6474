// The controller's configuration: parsed once, from flags (with TAGPILOT_* environment variables
// as fallbacks), into one typed object. Every default is documented here and in `--help`.
// A little over 300 lines: each of the ~30 flags has its documented field and its parse line here,
// which reads best in one place.
import { randomBytes } from 'node:crypto';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { shardKeyProblem, shardLeaseName, shardLeaseProblem } from './api/sharding.ts';
import { DEFAULT_KUSTOMIZE, type KustomizeOptions } from './git/kustomize.ts';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './git/read-limits.ts';

/** What one client can hold of an HTTP listener (server/http-server.ts applies them). */
export interface HttpLimits {
  /** Open connections at once; more are closed at accept (Node's `server.maxConnections`). */
  maxConnections: number;
  /** Time to receive all request headers. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (a slow body is cut off). */
  requestTimeoutMs: number;
}

/** Defaults: what a webhook sender needs, with little room for a slow or flooding one. */
export const HTTP_LIMITS: HttpLimits = {
  maxConnections: 128,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/**
 * Largest webhook body read (1 MiB, `--webhook-max-body-bytes`). GitHub caps its payloads at
 * 25 MB, but a push event carries at most 20 commits and stays far below 1 MiB; registry events
 * are a few KiB.
 */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** Everything the controller process is configured with. */
export interface ControllerConfig {
  /** Path of a kubeconfig; default: in-cluster config, else $KUBECONFIG, else ~/.kube/config. */
  kubeconfig: string | undefined;
  /** Namespace to watch for GitSyncs and ImagePolicies; default: all namespaces. */
  namespace: string | undefined;
  /** Elect a leader so that only one replica writes (default true). */
  leaderElect: boolean;
  /** Namespace of the leader election Lease (default: $POD_NAMESPACE, else tagpilot-system). */
  leaderElectionNamespace: string;
  /**
   * Name of the leader election Lease (default tagpilot-leader); with `--shard-key <k>` the shard's
   * own Lease, `<id>-<k>` (default tagpilot-leader-<k>).
   */
  leaderElectionId: string;
  /**
   * The shard this controller is (`--shard-key`, `$TAGPILOT_SHARD_KEY`): it owns the GitSyncs and
   * ImagePolicies labelled `sharding.tagpilot.io/key=<shardKey>`; without one (the default) it owns
   * those without that label (api/sharding.ts, docs/sharding.md).
   */
  shardKey: string | undefined;
  /**
   * Lease timing: a standby takes over after watching the Lease unchanged for `leaseDurationSeconds`
   * (default 15); the leader stops writing `renewDeadlineMs` after it sent its last successful renew
   * (default 10 s, must be shorter); renewals every `retryPeriodMs` (default 2 s).
   */
  leaderElection: { leaseDurationSeconds: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** This replica's identity in the Lease (default: $POD_NAME or the hostname, plus a random suffix). */
  identity: string;
  /** Working copies and the registry metadata cache (default ~/.cache/tagpilot/controller). */
  cacheDir: string;
  /** HTTP listen address for /metrics, /healthz, /readyz and webhooks (default :8080). */
  httpAddr: { host: string; port: number };
  /**
   * A second listen address for /metrics (and /healthz, /readyz); when set, /metrics is served only
   * there, so the webhook port can face senders without exposing metrics (default: none).
   */
  metricsAddr: { host: string; port: number } | undefined;
  /**
   * Bounds of the HTTP servers: open connections (default 128, `--http-max-connections`), time to
   * receive headers (10 s, `--http-header-timeout`) and a whole request (30 s, `--http-request-timeout`).
   */
  httpLimits: HttpLimits;
  /** Largest webhook body read (default 1Mi, `--webhook-max-body-bytes`); larger gets 413. */
  webhookMaxBodyBytes: number;
  /** pino level (default info). */
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** GitSyncs reconciled at once (default 4). */
  gitSyncConcurrency: number;
  /** ImagePolicies scanned at once (default 8). */
  imagePolicyConcurrency: number;
  /**
   * Newest-build ordering reads at most this many build times (manifest + config) of tags not seen
   * before per image per scan; the rest wait for later scans, and the choice is provisional
   * meanwhile (default 100, `--build-time-budget`; 0 = no limit, Flux v1's behaviour).
   */
  buildTimeBudget: number;
  /** A docker config.json with registry credentials for every scan (default: none). */
  dockerConfig: string | undefined;
  /** Registry hosts reached over plain HTTP besides localhost/127.0.0.1 (default: none). */
  insecureRegistries: string[];
  /** Registry hosts always reached over HTTPS, loopback included (default: none). */
  tlsRegistries: string[];
  /**
   * A PEM CA bundle trusted besides Node's roots on every Git and registry connection, read and
   * checked once at start (default: none).
   */
  caFile: string | undefined;
  /**
   * File holding the shared secret (and HMAC key) of /hooks/registry and /hooks/git, read once at
   * start; without one the hooks answer 404 (default: none, hooks disabled).
   */
  webhookSecretFile: string | undefined;
  /**
   * Caps on the manifests read from one GitSync path: files (default 10,000, `--max-manifest-files`),
   * bytes per file (default 4Mi, `--max-manifest-file-bytes`), bytes in all (default 64Mi,
   * `--max-manifest-bytes`), YAML documents per file (default 5,000, `--max-manifest-documents`).
   * Over a cap the sync is refused: Ready=False, nothing applied or pruned.
   */
  readLimits: ReadLimits;
  /**
   * ServiceAccount (in the GitSync's or ImagePolicy's own namespace) that a GitSync without
   * `spec.serviceAccountName` acts as, and whose rights read ImagePolicy pull secrets; when set, the
   * controller's own rights are never used for a GitSync's writes or Secret reads (default: none).
   */
  defaultServiceAccount: string | undefined;
  /**
   * Confine each GitSync to its namespace: namespaced objects in its own namespace (or its
   * targetNamespace, which then overrides every object's namespace, as in Flux), ImagePolicy
   * references and pull secrets in the referring object's namespace; violations are refused object
   * by object (default false).
   */
  noCrossNamespaceRefs: boolean;
  /**
   * How kustomization roots under a GitSync path are built: the kustomize binary
   * (`--kustomize-binary`, default `kustomize` on PATH; the image ships one) and whether it may
   * fetch remote bases (`--kustomize-remote-bases`, default false). Output is capped by the read
   * limit on all manifests.
   */
  kustomize: KustomizeOptions;
  /**
   * The unsharded leader's check for labelled objects whose shard no controller runs: time between
   * checks (default 60s, `--unowned-check-period`) and how long a shard's Lease must be seen without
   * a live holder before its objects are reported (default 2m, `--unowned-grace`). Shards do not check.
   */
  unownedCheck: { periodMs: number; graceMs: number };
}

/** Raw option values as a CLI parser hands them over (strings and booleans). */
export type RawOptions = Record<string, string | boolean | undefined>;

/** A configuration error a user can fix; the CLI prints the message and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** Reads one option: the flag, else its TAGPILOT_* variable, else the default; ConfigError on bad values. */
interface OptionReader {
  text(flag: string, envName: string): string | undefined;
  bool(flag: string, envName: string, fallback: boolean): boolean;
  int(flag: string, envName: string, fallback: number): number;
  bytes(flag: string, envName: string, fallback: number): number;
  duration(flag: string, envName: string, fallback: string): number;
}

function optionReader(options: RawOptions, env: NodeJS.ProcessEnv): OptionReader {
  const text = (flag: string, envName: string): string | undefined => {
    const value = options[flag];
    if (typeof value === 'string' && value !== '') return value;
    const fromEnv = env[envName];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  return {
    text,
    bool(flag, envName, fallback) {
      const value = options[flag];
      if (typeof value === 'boolean') return value;
      const raw = typeof value === 'string' ? value : env[envName];
      if (raw === undefined || raw === '') return fallback;
      if (['true', '1', 'yes'].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      throw new ConfigError(`--${flag}: expected true or false, got "${raw}"`);
    },
    int(flag, envName, fallback) {
      const raw = text(flag, envName);
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1)
        throw new ConfigError(`--${flag}: expected a positive integer, got "${raw}"`);
      return value;
    },
    bytes(flag, envName, fallback) {
      const raw = text(flag, envName);
      return raw === undefined ? fallback : parseByteSize(raw, flag);
    },
    duration(flag, envName, fallback) {
      try {
        return parseDuration(text(flag, envName) ?? fallback);
      } catch (error) {
        throw new ConfigError(`--${flag}: ${(error as Error).message}`);
      }
    },
  };
}

/** Builds the config from CLI options and the environment; throws ConfigError on bad values. */
export function parseConfig(options: RawOptions, env: NodeJS.ProcessEnv): ControllerConfig {
  const read = optionReader(options, env);
  const { text, bool, int } = read;
  const logLevel = text('log-level', 'TAGPILOT_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const podName = env.POD_NAME ?? hostname();
  const shardKey = parseShardKey(options, env);
  return {
    kubeconfig: text('kubeconfig', 'KUBECONFIG'),
    namespace: text('namespace', 'TAGPILOT_NAMESPACE'),
    leaderElect: bool('leader-elect', 'TAGPILOT_LEADER_ELECT', true),
    leaderElectionNamespace: text('leader-election-namespace', 'POD_NAMESPACE') ?? 'tagpilot-system',
    leaderElectionId: shardLease(text('leader-election-id', 'TAGPILOT_LEADER_ELECTION_ID'), shardKey),
    shardKey,
    leaderElection: leaderElectionTiming(read),
    identity: text('identity', 'TAGPILOT_IDENTITY') ?? `${podName}_${randomBytes(4).toString('hex')}`,
    cacheDir: text('cache-dir', 'TAGPILOT_CACHE_DIR') ?? join(homedir(), '.cache', 'tagpilot', 'controller'),
    httpAddr: parseAddress(text('http-addr', 'TAGPILOT_HTTP_ADDR') ?? ':8080'),
    metricsAddr: optionalAddress(text('metrics-addr', 'TAGPILOT_METRICS_ADDR'), 'metrics-addr'),
    httpLimits: httpLimits(read),
    webhookMaxBodyBytes: read.bytes(
      'webhook-max-body-bytes',
      'TAGPILOT_WEBHOOK_MAX_BODY_BYTES',
      MAX_WEBHOOK_BODY_BYTES,
    ),
    logLevel: logLevel as ControllerConfig['logLevel'],
    gitSyncConcurrency: int('gitsync-concurrency', 'TAGPILOT_GITSYNC_CONCURRENCY', 4),
    imagePolicyConcurrency: int('imagepolicy-concurrency', 'TAGPILOT_IMAGEPOLICY_CONCURRENCY', 8),
    buildTimeBudget:
      text('build-time-budget', 'TAGPILOT_BUILD_TIME_BUDGET')?.trim() === '0'
        ? 0
        : int('build-time-budget', 'TAGPILOT_BUILD_TIME_BUDGET', 100),
    dockerConfig: text('docker-config', 'TAGPILOT_DOCKER_CONFIG'),
    insecureRegistries: (text('insecure-registries', 'TAGPILOT_INSECURE_REGISTRIES') ?? '')
      .split(',')
      .map((host) => host.trim())
      .filter(Boolean),
    tlsRegistries: (text('tls-registries', 'TAGPILOT_TLS_REGISTRIES') ?? '')
      .split(',')
      .map((host) => host.trim())
      .filter(Boolean),
    caFile: text('ca-file', 'TAGPILOT_CA_FILE'),
    webhookSecretFile: text('webhook-secret-file', 'TAGPILOT_WEBHOOK_SECRET_FILE'),
    readLimits: readLimits(read),
    defaultServiceAccount: text('default-service-account', 'TAGPILOT_DEFAULT_SERVICE_ACCOUNT'),
    noCrossNamespaceRefs: bool('no-cross-namespace-refs', 'TAGPILOT_NO_CROSS_NAMESPACE_REFS', false),
    kustomize: {
      ...DEFAULT_KUSTOMIZE,
      binary: text('kustomize-binary', 'TAGPILOT_KUSTOMIZE_BINARY') ?? DEFAULT_KUSTOMIZE.binary,
      allowRemoteBases: bool('kustomize-remote-bases', 'TAGPILOT_KUSTOMIZE_REMOTE_BASES', false),
      maxOutputBytes: readLimits(read).maxTotalBytes,
    },
    unownedCheck: unownedCheck(read),
  };
}

/**
 * `--shard-key`, else `$TAGPILOT_SHARD_KEY`: a label value. An empty flag is an error rather than
 * "unsharded": a template that forgot to fill it in must not start a second unsharded controller.
 */
function parseShardKey(options: RawOptions, env: NodeJS.ProcessEnv): string | undefined {
  const flag = options['shard-key'];
  const raw = typeof flag === 'string' ? flag : env.TAGPILOT_SHARD_KEY;
  if (raw === undefined) return undefined;
  const problem = shardKeyProblem(raw);
  if (problem !== undefined) throw new ConfigError(`--shard-key: ${problem}`);
  return raw;
}

/** The Lease name: `--leader-election-id` (default tagpilot-leader), `-<shard key>` appended for a shard. */
function shardLease(id: string | undefined, shardKey: string | undefined): string {
  const problem = shardLeaseProblem(id ?? 'tagpilot-leader', shardKey);
  if (problem !== undefined) {
    throw new ConfigError(`${shardKey === undefined ? '--leader-election-id' : '--shard-key'}: ${problem}`);
  }
  return shardLeaseName(id ?? 'tagpilot-leader', shardKey);
}

function leaderElectionTiming(read: OptionReader): ControllerConfig['leaderElection'] {
  const timing = {
    leaseDurationSeconds:
      read.duration('leader-election-lease-duration', 'TAGPILOT_LEASE_DURATION', '15s') / 1000,
    renewDeadlineMs: read.duration('leader-election-renew-deadline', 'TAGPILOT_RENEW_DEADLINE', '10s'),
    retryPeriodMs: read.duration('leader-election-retry-period', 'TAGPILOT_RETRY_PERIOD', '2s'),
  };
  if (!Number.isInteger(timing.leaseDurationSeconds) || timing.leaseDurationSeconds < 1) {
    throw new ConfigError('--leader-election-lease-duration: expected whole seconds, at least 1s');
  }
  if (timing.renewDeadlineMs >= timing.leaseDurationSeconds * 1000) {
    throw new ConfigError('--leader-election-renew-deadline must be shorter than the lease duration');
  }
  return timing;
}

function unownedCheck(read: OptionReader): ControllerConfig['unownedCheck'] {
  const periodMs = read.duration('unowned-check-period', 'TAGPILOT_UNOWNED_CHECK_PERIOD', '60s');
  // Each check lists every labelled object: more often than once a second is load, not news.
  if (periodMs < 1000) throw new ConfigError('--unowned-check-period: expected at least 1s');
  return { periodMs, graceMs: read.duration('unowned-grace', 'TAGPILOT_UNOWNED_GRACE', '2m') };
}

function httpLimits(read: OptionReader): HttpLimits {
  return {
    maxConnections: read.int(
      'http-max-connections',
      'TAGPILOT_HTTP_MAX_CONNECTIONS',
      HTTP_LIMITS.maxConnections,
    ),
    headersTimeoutMs: read.duration(
      'http-header-timeout',
      'TAGPILOT_HTTP_HEADER_TIMEOUT',
      `${HTTP_LIMITS.headersTimeoutMs}ms`,
    ),
    requestTimeoutMs: read.duration(
      'http-request-timeout',
      'TAGPILOT_HTTP_REQUEST_TIMEOUT',
      `${HTTP_LIMITS.requestTimeoutMs}ms`,
    ),
  };
}

function readLimits(read: OptionReader): ReadLimits {
  return {
    maxFiles: read.int('max-manifest-files', 'TAGPILOT_MAX_MANIFEST_FILES', DEFAULT_READ_LIMITS.maxFiles),
    maxFileBytes: read.bytes(
      'max-manifest-file-bytes',
      'TAGPILOT_MAX_MANIFEST_FILE_BYTES',
      DEFAULT_READ_LIMITS.maxFileBytes,
    ),
    maxTotalBytes: read.bytes(
      'max-manifest-bytes',
      'TAGPILOT_MAX_MANIFEST_BYTES',
      DEFAULT_READ_LIMITS.maxTotalBytes,
    ),
    maxDocumentsPerFile: read.int(
      'max-manifest-documents',
      'TAGPILOT_MAX_MANIFEST_DOCUMENTS',
      DEFAULT_READ_LIMITS.maxDocumentsPerFile,
    ),
  };
}

const BYTE_UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** Parses a byte size: a positive integer with an optional `Ki`, `Mi` or `Gi` suffix, e.g. `4Mi`. */
export function parseByteSize(value: string, flag: string): number {
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(value);
  const size = m ? Number(m[1]) * (BYTE_UNITS[m[2] ?? ''] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(size) || size < 1)
    throw new ConfigError(`--${flag}: expected a byte size such as 1048576 or 4Mi, got "${value}"`);
  return size;
}

function optionalAddress(
  value: string | undefined,
  flag: string,
): { host: string; port: number } | undefined {
  return value === undefined ? undefined : parseAddress(value, flag);
}

/** Parses `host:port`, `:port` or `port`; port 0 means any free port. */
export function parseAddress(value: string, flag = 'http-addr'): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = colon >= 0 ? value.slice(0, colon) : '';
  const portText = colon >= 0 ? value.slice(colon + 1) : value;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--${flag}: "${value}" is not host:port`);
  }
  return { host: host === '' ? '0.0.0.0' : host.replace(/^\[|\]$/g, ''), port };
}

/** Parses a Go-style duration such as `5m`, `1m30s`, `500ms` into milliseconds. */
export function parseDuration(value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed !== value)
    throw new ConfigError(`"${value}" is not a duration like 30s, 5m or 1h`);
  return parts.reduce((total, part) => total + Number(part[1]) * (units[part[2] ?? 's'] ?? 1000), 0);
}
