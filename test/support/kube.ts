// A real Kubernetes API server for tests: etcd + kube-apiserver built from the Go module proxy
// (scripts/build-binaries.sh), started the way controller-runtime's envtest does it — cert dir,
// service-account issuer and keys, RBAC authorization, and an admin identity from a client
// certificate in group system:masters. Tests get a kubeconfig file (kubectl works against it)
// and a client-node KubeConfig.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { issueCert, makeCa, makeRsaKeyPair } from './certs.ts';
import { type ClusterNodes, startClusterNodes } from './cluster-nodes.ts';
import {
  binary,
  freePort,
  type ManagedProcess,
  makeTempDir,
  removeTempDir,
  run,
  startProcess,
  waitFor,
} from './processes.ts';

/** A running etcd + kube-apiserver pair. */
export interface KubeStack {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** Path of a kubeconfig with the admin identity (group system:masters). */
  readonly kubeconfigPath: string;
  /** The cluster CA certificate (what a Pod finds as its ServiceAccount's ca.crt). */
  readonly caFile: string;
  /** The same kubeconfig, loaded. */
  readonly kubeConfig: KubeConfig;
  /** Runs kubectl against this API server; throws on a non-zero exit unless allowFailure. */
  kubectl(
    args: string[],
    options?: { input?: string; allowFailure?: boolean },
  ): Promise<{ stdout: string; stderr: string; code: number }>;
  /**
   * Writes a kubeconfig that authenticates as ServiceAccount `namespace/name` (a bound token from
   * the TokenRequest API), to run a process with exactly that account's RBAC.
   */
  serviceAccountKubeconfig(namespace: string, name: string): Promise<string>;
  /** Stops and starts kube-apiserver on the same port and etcd data (to test reconnection). */
  restartApiServer(): Promise<void>;
  /**
   * With `startKube({ audit: true })`: every write request the API server answered so far (create,
   * update, patch, delete), from its audit log; [] without auditing.
   */
  auditedWrites(): AuditEvent[];
  /** Simulated nodes (kwok) with `startKube({ nodes })`; [] for a bare API server. */
  readonly nodes: string[];
  /** Stops every process and removes their data. */
  stop(): Promise<void>;
}

/** One entry of the API server's audit log (the fields tests read). */
export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  /** API server clock, microsecond precision. */
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;

/**
 * Starts etcd and kube-apiserver on free loopback ports and waits until /readyz is ok. `audit`
 * writes an audit log of every write request (who, what, when) that `auditedWrites()` reads.
 * `nodes: N` also starts kube-controller-manager, kube-scheduler and kwok with N simulated nodes
 * (test/support/cluster-nodes.ts): Deployments roll out and Pods run; without it the API server
 * is alone (faster) and nothing acts on what is applied.
 */
export async function startKube(options: { audit?: boolean; nodes?: number } = {}): Promise<KubeStack> {
  const dir = makeTempDir('kube');
  // The PKI first: when an openssl run fails, no etcd is left running. A leaked etcd kept the test
  // file's process alive after its `before` hook had failed, so the file never ended (CI hung).
  const pki = await makePki(dir);
  const etcd = await startEtcd(dir);
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const args = [
    `--etcd-servers=${etcd.url}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--tls-cert-file=${pki.serving.cert}`,
    `--tls-private-key-file=${pki.serving.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${pki.serviceAccount.publicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccount.privateKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    // Without nodes no controller-manager creates a namespace's default ServiceAccount; with kwok
    // nodes no container runs, so Pods need no token volume either way.
    '--disable-admission-plugins=ServiceAccount',
    '--enable-priority-and-fairness=false',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
  const auditLog = join(dir, 'audit.log');
  if (options.audit) {
    writeFileSync(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    args.push(
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
    );
  }
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfigYaml(server, pki.ca.cert, pki.admin.cert, pki.admin.key));
  const tls = {
    ca: readFileSync(pki.ca.cert),
    cert: readFileSync(pki.admin.cert),
    key: readFileSync(pki.admin.key),
  };

  let apiserver = await startApiServer(dir, args, server, tls).catch(async (error: unknown) => {
    await etcd.process.stop();
    throw error;
  });
  let cluster: ClusterNodes | undefined;
  if (options.nodes !== undefined && options.nodes > 0) {
    cluster = await startClusterNodes({
      dir,
      kubeconfig: kubeconfigPath,
      serviceAccountPrivateKey: pki.serviceAccount.privateKey,
      caCert: pki.ca.cert,
      count: options.nodes,
    }).catch(async (error: unknown) => {
      await apiserver.stop();
      await etcd.process.stop();
      throw error;
    });
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);

  return {
    server,
    kubeconfigPath,
    caFile: pki.ca.cert,
    kubeConfig,
    kubectl: (kubectlArgs, options = {}) =>
      run('kubectl', [`--kubeconfig=${kubeconfigPath}`, ...kubectlArgs], options),
    async serviceAccountKubeconfig(namespace, name) {
      const { stdout } = await run('kubectl', [
        `--kubeconfig=${kubeconfigPath}`,
        'create',
        'token',
        name,
        '-n',
        namespace,
        '--duration=2h',
      ]);
      const path = join(dir, `kubeconfig-${namespace}-${name}`);
      writeFileSync(path, tokenKubeconfigYaml(server, pki.ca.cert, stdout.trim()));
      return path;
    },
    auditedWrites() {
      if (!options.audit) return [];
      return readFileSync(auditLog, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as AuditEvent)
        .filter((event) => event.stageTimestamp !== undefined);
    },
    async restartApiServer() {
      await apiserver.stop();
      apiserver = await startApiServer(dir, args, server, tls);
    },
    nodes: cluster?.nodes ?? [],
    async stop() {
      await cluster?.stop();
      await apiserver.stop();
      await etcd.process.stop();
      removeTempDir(dir);
    },
  };
}

async function startApiServer(
  dir: string,
  args: string[],
  server: string,
  tls: { ca: Buffer; cert: Buffer; key: Buffer },
): Promise<ManagedProcess> {
  const apiserver = startProcess({
    name: 'kube-apiserver',
    command: binary('kube-apiserver'),
    args,
    logFile: join(dir, 'kube-apiserver.log'),
  });
  let exited = false;
  void apiserver.exited.then(() => {
    exited = true;
  });
  await waitFor(
    'kube-apiserver /readyz',
    async () => {
      if (exited) throw new Error('kube-apiserver exited');
      return (await httpsStatus(`${server}/readyz`, tls)) === 200;
    },
    { timeoutMs: 120_000, intervalMs: 200, onTimeout: () => apiserver.logTail() },
  );
  return apiserver;
}

async function startEtcd(dir: string): Promise<{ url: string; process: ManagedProcess }> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = startProcess({
    name: 'etcd',
    command: binary('etcd'),
    args: [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logFile: join(dir, 'etcd.log'),
  });
  await waitFor(
    'etcd /health',
    async () => {
      const response = await fetch(`${url}/health`);
      return response.ok;
    },
    { timeoutMs: 30_000, onTimeout: () => etcd.logTail() },
  );
  return { url, process: etcd };
}

async function makePki(dir: string) {
  const ca = await makeCa(dir, 'ca');
  // One certificate at a time: `openssl x509 -CAcreateserial` reads and rewrites the CA's serial
  // file, and two at once left apiserver.crt empty (openssl failed) in CI.
  const serving = await issueCert(dir, 'apiserver', ca, { commonName: 'kube-apiserver', usage: 'server' });
  const admin = await issueCert(dir, 'admin', ca, {
    commonName: 'admin',
    organization: 'system:masters',
    usage: 'client',
  });
  const serviceAccount = await makeRsaKeyPair(dir, 'service-account');
  return { ca, serving, admin, serviceAccount };
}

function kubeconfigYaml(server: string, ca: string, cert: string, key: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    certificate-authority: ${ca}
users:
- name: admin
  user:
    client-certificate: ${cert}
    client-key: ${key}
contexts:
- name: test
  context:
    cluster: test
    user: admin
current-context: test
`;
}

function tokenKubeconfigYaml(server: string, ca: string, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    certificate-authority: ${ca}
users:
- name: service-account
  user:
    token: ${token}
contexts:
- name: test
  context:
    cluster: test
    user: service-account
current-context: test
`;
}

function httpsStatus(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
