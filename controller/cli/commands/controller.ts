// `tagpilot controller`: run the controller until SIGTERM/SIGINT.
import { Command, Option } from 'commander';
import { ConfigError, parseConfig, type RawOptions } from '../../config.ts';

/** The controller's flags: each parsed into the one config object by `parseConfig` (config.ts). */
const FLAGS: readonly (readonly [flags: string, help: string])[] = [
  ['--kubeconfig <path>', 'kubeconfig file (default: in-cluster, $KUBECONFIG, ~/.kube/config)'],
  ['--namespace <ns>', 'watch only this namespace (default: all) [$TAGPILOT_NAMESPACE]'],
  ['--no-leader-elect', 'do not elect a leader (run a single replica only) [$TAGPILOT_LEADER_ELECT]'],
  ['--leader-election-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE or tagpilot-system)'],
  [
    '--leader-election-id <name>',
    "name of the Lease; a shard's is <name>-<shard key> (default: tagpilot-leader)",
  ],
  [
    '--shard-key <key>',
    'be this shard: own only the GitSyncs and ImagePolicies labelled sharding.tagpilot.io/key=<key>, with a Lease of its own (default: none, own those without the label) [$TAGPILOT_SHARD_KEY]',
  ],
  [
    '--leader-election-lease-duration <duration>',
    'a standby takes over after seeing the Lease unchanged this long (default: 15s)',
  ],
  [
    '--leader-election-renew-deadline <duration>',
    'the leader stops writing this long after its last successful renew; < lease duration (default: 10s)',
  ],
  ['--leader-election-retry-period <duration>', 'time between Lease renewals (default: 2s)'],
  ['--identity <id>', 'this replica in the Lease (default: $POD_NAME or hostname + random suffix)'],
  ['--cache-dir <dir>', 'Git working copies and registry metadata (default: ~/.cache/tagpilot/controller)'],
  ['--http-addr <addr>', 'listen address for /metrics /healthz /readyz /hooks/* (default: :8080)'],
  [
    '--metrics-addr <addr>',
    'serve /metrics (and /healthz /readyz) on this address instead of --http-addr, so the webhook port exposes no metrics (default: none) [$TAGPILOT_METRICS_ADDR]',
  ],
  [
    '--http-max-connections <n>',
    'open HTTP connections per listen address; more are closed at once (default: 128) [$TAGPILOT_HTTP_MAX_CONNECTIONS]',
  ],
  [
    '--http-header-timeout <duration>',
    'time a client has to send its request headers (default: 10s) [$TAGPILOT_HTTP_HEADER_TIMEOUT]',
  ],
  [
    '--http-request-timeout <duration>',
    'time a client has to send a whole request, body included (default: 30s) [$TAGPILOT_HTTP_REQUEST_TIMEOUT]',
  ],
  [
    '--webhook-max-body-bytes <size>',
    'largest webhook body read, e.g. 1Mi; larger is answered 413 (default: 1Mi) [$TAGPILOT_WEBHOOK_MAX_BODY_BYTES]',
  ],
  ['--log-level <level>', 'trace|debug|info|warn|error (default: info)'],
  ['--gitsync-concurrency <n>', 'GitSyncs reconciled at once (default: 4)'],
  ['--imagepolicy-concurrency <n>', 'ImagePolicies scanned at once (default: 8)'],
  [
    '--build-time-budget <n>',
    'newest-build: build times of new tags read per image per scan, the rest at later scans; 0 = no limit (default: 100) [$TAGPILOT_BUILD_TIME_BUDGET]',
  ],
  [
    '--insecure-registries <hosts>',
    'comma-separated registry hosts reached over HTTP (loopback is too, unless in --tls-registries or the ImagePolicy has TLS settings)',
  ],
  [
    '--tls-registries <hosts>',
    'comma-separated registry hosts always reached over HTTPS, loopback included (default: none) [$TAGPILOT_TLS_REGISTRIES]',
  ],
  [
    '--ca-file <path>',
    'PEM CA bundle trusted besides the system roots on every Git and registry connection (default: none) [$TAGPILOT_CA_FILE]',
  ],
  [
    '--docker-config <path>',
    'docker config.json with registry credentials for every scan (default: none) [$TAGPILOT_DOCKER_CONFIG]',
  ],
  [
    '--webhook-secret-file <path>',
    'shared secret / HMAC key of /hooks/registry and /hooks/git (default: none, hooks disabled) [$TAGPILOT_WEBHOOK_SECRET_FILE]',
  ],
  [
    '--max-manifest-files <n>',
    'manifest files read from one GitSync path; more refuses the sync (default: 10000) [$TAGPILOT_MAX_MANIFEST_FILES]',
  ],
  [
    '--max-manifest-file-bytes <size>',
    'bytes of one manifest file, e.g. 4Mi; larger refuses the sync (default: 4Mi) [$TAGPILOT_MAX_MANIFEST_FILE_BYTES]',
  ],
  [
    '--max-manifest-bytes <size>',
    'bytes of all manifests of one GitSync path; more refuses the sync (default: 64Mi) [$TAGPILOT_MAX_MANIFEST_BYTES]',
  ],
  [
    '--max-manifest-documents <n>',
    'YAML documents in one manifest file; more refuses the sync (default: 5000) [$TAGPILOT_MAX_MANIFEST_DOCUMENTS]',
  ],
  [
    '--default-service-account <name>',
    "ServiceAccount (in each GitSync's namespace) that GitSyncs without spec.serviceAccountName act as; when set, the controller's own rights are never used for them (default: none) [$TAGPILOT_DEFAULT_SERVICE_ACCOUNT]",
  ],
  [
    '--no-cross-namespace-refs',
    "confine each GitSync to its namespace (or targetNamespace, which then overrides every object's), and ImagePolicy references and pull secrets to the referring object's namespace (default: off) [$TAGPILOT_NO_CROSS_NAMESPACE_REFS]",
  ],
  [
    '--kustomize-binary <path>',
    'kustomize used to build a directory with a kustomization.yaml under a GitSync path (default: kustomize on PATH; the image ships v5.8.0) [$TAGPILOT_KUSTOMIZE_BINARY]',
  ],
  [
    '--kustomize-remote-bases',
    'let kustomize fetch remote bases (resources that are URLs); without it such a build is refused (default: off) [$TAGPILOT_KUSTOMIZE_REMOTE_BASES]',
  ],
  [
    '--unowned-check-period <duration>',
    'unsharded leader only: time between checks for labelled GitSyncs/ImagePolicies whose shard no controller runs (default: 60s) [$TAGPILOT_UNOWNED_CHECK_PERIOD]',
  ],
  [
    '--unowned-grace <duration>',
    "unsharded leader only: how long a shard's Lease must have no live holder before its objects are reported (Event ShardNotRunning, tagpilot_unowned_objects) (default: 2m) [$TAGPILOT_UNOWNED_GRACE]",
  ],
];

/** The `controller` command. */
export function controllerCommand(): Command {
  const command = new Command('controller').description(
    'Run the tagpilot controller (sync GitSyncs, scan ImagePolicies, automate image updates)',
  );
  for (const [flags, help] of FLAGS) command.addOption(new Option(flags, help));
  return command.action(runControllerCommand);
}

/** Parses the flags into the config (exit 2 on a bad one) and runs the controller until a signal. */
async function runControllerCommand(
  options: RawOptions & { leaderElect?: boolean; crossNamespaceRefs?: boolean },
): Promise<void> {
  const raw: RawOptions = {};
  for (const [key, value] of Object.entries(options))
    raw[key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = value;
  // commander sets leaderElect=true by default for --no-leader-elect; only pass an explicit false.
  if (options.leaderElect !== false) delete raw['leader-elect'];
  // commander reads --no-cross-namespace-refs as crossNamespaceRefs=false (true by default).
  delete raw['cross-namespace-refs'];
  if (options.crossNamespaceRefs === false) raw['no-cross-namespace-refs'] = true;
  const exitOnConfigError = (error: unknown): never => {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tagpilot controller: ${error.message}\n`);
    process.exit(2);
  };
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(raw, process.env);
  } catch (error) {
    return exitOnConfigError(error);
  }
  // Loaded here, not at the top: the other commands must not pay for the whole controller.
  const [{ createLogger }, { runController }] = await Promise.all([
    import('../../logger.ts'),
    import('../../main.ts'),
  ]);
  const logger = createLogger(config.logLevel);
  // Files named by flags (webhook secret, docker config) are read at start: a bad one exits 2.
  const controller = await runController(config, logger).catch(exitOnConfigError);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void controller.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  const reason = await controller.done;
  if (reason !== 'stopped') {
    await controller.stop();
    process.exit(1);
  }
}
