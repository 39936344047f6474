import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseAddress, parseConfig, parseDuration } from './config.ts';

describe('parseConfig', () => {
  it('reads --build-time-budget, 0 meaning no limit', () => {
    assert.equal(parseConfig({ 'build-time-budget': '250' }, {}).buildTimeBudget, 250);
    assert.equal(parseConfig({}, { TAGPILOT_BUILD_TIME_BUDGET: '0' }).buildTimeBudget, 0);
    assert.throws(() => parseConfig({ 'build-time-budget': '-1' }, {}), ConfigError);
  });
  it('documents and applies defaults', () => {
    const config = parseConfig({}, { HOME: '/home/x', POD_NAME: 'tagpilot-0' });
    assert.equal(config.namespace, undefined);
    assert.equal(config.leaderElect, true);
    assert.equal(config.leaderElectionNamespace, 'tagpilot-system');
    assert.equal(config.leaderElectionId, 'tagpilot-leader');
    assert.equal(config.shardKey, undefined);
    assert.match(config.identity, /^tagpilot-0_[0-9a-f]{8}$/);
    assert.deepEqual(config.httpAddr, { host: '0.0.0.0', port: 8080 });
    assert.equal(config.metricsAddr, undefined);
    assert.deepEqual(config.httpLimits, {
      maxConnections: 128,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
    });
    assert.equal(config.webhookMaxBodyBytes, 1024 * 1024);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.gitSyncConcurrency, 4);
    assert.equal(config.buildTimeBudget, 100);
    assert.deepEqual(config.insecureRegistries, []);
    assert.equal(config.webhookSecretFile, undefined);
    assert.equal(config.defaultServiceAccount, undefined);
    assert.equal(config.noCrossNamespaceRefs, false);
    assert.deepEqual(config.readLimits, {
      maxFiles: 10_000,
      maxFileBytes: 4 * 1024 * 1024,
      maxTotalBytes: 64 * 1024 * 1024,
      maxDocumentsPerFile: 5_000,
    });
  });

  it('reads --shard-key (else $TAGPILOT_SHARD_KEY) and gives the shard a Lease of its own', () => {
    const shard = parseConfig({ 'shard-key': 'shard1' }, { TAGPILOT_SHARD_KEY: 'other' });
    assert.equal(shard.shardKey, 'shard1');
    assert.equal(shard.leaderElectionId, 'tagpilot-leader-shard1');
    const fromEnv = parseConfig({ 'leader-election-id': 'tp' }, { TAGPILOT_SHARD_KEY: 'team-a' });
    assert.equal(fromEnv.shardKey, 'team-a');
    assert.equal(fromEnv.leaderElectionId, 'tp-team-a');
  });

  it('refuses a shard key that is no label value, is empty, or cannot name a Lease', () => {
    assert.throws(
      () => parseConfig({ 'shard-key': 'a/b' }, {}),
      /^ConfigError: --shard-key: "a\/b" is not a label value/,
    );
    assert.throws(() => parseConfig({ 'shard-key': '' }, {}), /--shard-key: a shard key must not be empty/);
    assert.throws(
      () => parseConfig({}, { TAGPILOT_SHARD_KEY: '' }),
      /--shard-key: a shard key must not be empty/,
    );
    // A valid label value, but Lease names are lower case without '_'.
    assert.throws(
      () => parseConfig({ 'shard-key': 'Team_A' }, {}),
      /--shard-key: the Lease would be named "tagpilot-leader-Team_A", which is not a Kubernetes name/,
    );
  });

  it('reads the period and grace of the unowned shard check (default 60s and 2m)', () => {
    assert.deepEqual(parseConfig({}, {}).unownedCheck, { periodMs: 60_000, graceMs: 120_000 });
    assert.deepEqual(
      parseConfig({ 'unowned-check-period': '1s' }, { TAGPILOT_UNOWNED_GRACE: '3s' }).unownedCheck,
      { periodMs: 1000, graceMs: 3000 },
    );
    assert.throws(
      () => parseConfig({ 'unowned-check-period': '500ms' }, {}),
      /^ConfigError: --unowned-check-period: expected at least 1s/,
    );
    assert.throws(
      () => parseConfig({ 'unowned-grace': 'soon' }, {}),
      /^ConfigError: --unowned-grace: "soon"/,
    );
  });

  it('reads the HTTP bounds and the metrics address', () => {
    const config = parseConfig(
      {
        'metrics-addr': '127.0.0.1:9090',
        'http-max-connections': '16',
        'http-header-timeout': '2s',
        'webhook-max-body-bytes': '256Ki',
      },
      { TAGPILOT_HTTP_REQUEST_TIMEOUT: '1m' },
    );
    assert.deepEqual(config.metricsAddr, { host: '127.0.0.1', port: 9090 });
    assert.deepEqual(config.httpLimits, {
      maxConnections: 16,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 60_000,
    });
    assert.equal(config.webhookMaxBodyBytes, 256 * 1024);
    assert.throws(
      () => parseConfig({ 'metrics-addr': 'nowhere' }, {}),
      /--metrics-addr: "nowhere" is not host:port/,
    );
    assert.throws(() => parseConfig({ 'http-max-connections': '0' }, {}), ConfigError);
  });

  it('reads the manifest read limits, with Ki/Mi/Gi byte sizes', () => {
    const config = parseConfig(
      { 'max-manifest-files': '50', 'max-manifest-file-bytes': '512Ki', 'max-manifest-documents': '7' },
      { TAGPILOT_MAX_MANIFEST_BYTES: '1Gi' },
    );
    assert.deepEqual(config.readLimits, {
      maxFiles: 50,
      maxFileBytes: 512 * 1024,
      maxTotalBytes: 1024 ** 3,
      maxDocumentsPerFile: 7,
    });
    assert.throws(
      () => parseConfig({ 'max-manifest-bytes': '4MB' }, {}),
      /--max-manifest-bytes: expected a byte size/,
    );
    assert.throws(() => parseConfig({ 'max-manifest-files': '0' }, {}), /--max-manifest-files/);
  });

  it('reads --no-cross-namespace-refs from the flag or TAGPILOT_NO_CROSS_NAMESPACE_REFS', () => {
    assert.equal(parseConfig({ 'no-cross-namespace-refs': true }, {}).noCrossNamespaceRefs, true);
    assert.equal(parseConfig({}, { TAGPILOT_NO_CROSS_NAMESPACE_REFS: 'true' }).noCrossNamespaceRefs, true);
  });

  it('reads the default ServiceAccount from the flag or TAGPILOT_DEFAULT_SERVICE_ACCOUNT', () => {
    const env = { TAGPILOT_DEFAULT_SERVICE_ACCOUNT: 'from-env' };
    assert.equal(parseConfig({}, env).defaultServiceAccount, 'from-env');
    assert.equal(
      parseConfig({ 'default-service-account': 'deployer' }, env).defaultServiceAccount,
      'deployer',
    );
  });

  it('reads the webhook secret file from the flag or TAGPILOT_WEBHOOK_SECRET_FILE', () => {
    const env = { TAGPILOT_WEBHOOK_SECRET_FILE: '/etc/tagpilot/env-secret' };
    assert.equal(parseConfig({}, env).webhookSecretFile, '/etc/tagpilot/env-secret');
    assert.equal(
      parseConfig({ 'webhook-secret-file': '/etc/tagpilot/flag-secret' }, env).webhookSecretFile,
      '/etc/tagpilot/flag-secret',
    );
  });

  it('takes flags over environment variables', () => {
    const config = parseConfig(
      {
        namespace: 'apps',
        'leader-elect': false,
        'http-addr': '127.0.0.1:0',
        'insecure-registries': 'a:5000, b',
      },
      { TAGPILOT_NAMESPACE: 'other', TAGPILOT_LOG_LEVEL: 'debug', POD_NAMESPACE: 'ops' },
    );
    assert.equal(config.namespace, 'apps');
    assert.equal(config.leaderElect, false);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.leaderElectionNamespace, 'ops');
    assert.deepEqual(config.httpAddr, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(config.insecureRegistries, ['a:5000', 'b']);
  });

  it('reads --ca-file and --tls-registries from the flags or TAGPILOT_CA_FILE / TAGPILOT_TLS_REGISTRIES', () => {
    assert.equal(parseConfig({}, {}).caFile, undefined);
    assert.deepEqual(parseConfig({}, {}).tlsRegistries, []);
    const fromEnv = parseConfig(
      {},
      { TAGPILOT_CA_FILE: '/etc/ca.pem', TAGPILOT_TLS_REGISTRIES: 'r:5000, 127.0.0.1:5001' },
    );
    assert.equal(fromEnv.caFile, '/etc/ca.pem');
    assert.deepEqual(fromEnv.tlsRegistries, ['r:5000', '127.0.0.1:5001']);
    assert.equal(parseConfig({ 'ca-file': '/x.pem' }, { TAGPILOT_CA_FILE: '/etc/ca.pem' }).caFile, '/x.pem');
  });

  it('rejects bad values with the flag name', () => {
    assert.throws(
      () => parseConfig({ 'log-level': 'loud' }, {}),
      (e: unknown) => e instanceof ConfigError && /--log-level/.test(e.message),
    );
    assert.throws(() => parseConfig({ 'gitsync-concurrency': '0' }, {}), /--gitsync-concurrency/);
    assert.throws(() => parseConfig({}, { TAGPILOT_LEADER_ELECT: 'maybe' }), /--leader-elect/);
    assert.throws(() => parseAddress('host:http'), /not host:port/);
  });
});

describe('parseDuration', () => {
  it('parses Go durations', () => {
    assert.deepEqual(
      ['500ms', '30s', '5m', '1m30s', '1h', '1.5s'].map(parseDuration),
      [500, 30_000, 300_000, 90_000, 3_600_000, 1500],
    );
  });
  it('rejects what is not a duration', () => {
    for (const bad of ['', '5', 'soon', '5m junk', '-1s'])
      assert.throws(() => parseDuration(bad), ConfigError, bad);
  });
});
