// A real distribution registry (v3, built from the Go module proxy) for tests, with filesystem
// storage and one of three auth modes: anonymous, Basic (htpasswd with bcrypt), or Bearer tokens
// from token-server.ts. The registry's access log is kept so tests can count requests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Agent, type Dispatcher } from 'undici';
import { type CertFiles, makeCa } from './certs.ts';
import {
  binary,
  freePort,
  type ManagedProcess,
  makeTempDir,
  removeTempDir,
  startProcess,
  waitFor,
} from './processes.ts';
import { RegistryPusher } from './registry-push.ts';
import { startTokenServer, type TokenServer } from './token-server.ts';

/** How clients must authenticate to the test registry. */
export type RegistryAuth = 'none' | 'basic' | 'token';

/** Options for startRegistry. */
export interface RegistryOptions {
  /** Default 'none'. */
  auth?: RegistryAuth;
  /** Notification endpoint the registry POSTs push/delete events to (registry webhooks). */
  notifyUrl?: string;
  /** Headers sent with notifications (e.g. a shared secret). */
  notifyHeaders?: Record<string, string>;
  /**
   * Serve HTTPS with this certificate and key (PEM files); with `clientCa`, only clients with a
   * certificate signed by it are served (mTLS). Default plain HTTP.
   */
  tls?: { cert: string; key: string; ca: string; clientCert?: CertFiles; clientCa?: string };
}

/** A running registry and helpers to fill it. */
export interface RegistryStack {
  /** http://127.0.0.1:<port> (https:// with `tls`) */
  readonly url: string;
  /** With `tls`: a dispatcher trusting the test CA (with the client certificate when mTLS). */
  readonly dispatcher: Dispatcher | undefined;
  /** 127.0.0.1:<port>, the registry host part of image references. */
  readonly host: string;
  readonly auth: RegistryAuth;
  readonly username: string;
  readonly password: string;
  /** The token server (auth: 'token' only). */
  readonly tokenServer: TokenServer | undefined;
  /** Pushes images, indexes and tags over the HTTP API with the right credentials. */
  readonly push: RegistryPusher;
  /** Request lines from the access log so far, e.g. `HEAD /v2/app/manifests/1.0`. */
  requests(): string[];
  stop(): Promise<void>;
}

const SERVICE = 'tagpilot-test-registry';
const ISSUER = 'tagpilot-test-token-issuer';

/** Starts a registry on a free loopback port and waits until /v2/ answers. */
export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryStack> {
  const auth = options.auth ?? 'none';
  const dir = makeTempDir('registry');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const username = 'tester';
  const password = 'registry-secret-1';
  let tokenServer: TokenServer | undefined;
  let authConfig = '';
  if (auth === 'basic') {
    writeFileSync(join(dir, 'htpasswd'), `${username}:${bcrypt.hashSync(password, 4)}\n`);
    authConfig = `auth:\n  htpasswd:\n    realm: tagpilot-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    const signer = await makeCa(dir, 'token-signer');
    tokenServer = await startTokenServer({
      service: SERVICE,
      issuer: ISSUER,
      certFile: signer.cert,
      keyFile: signer.key,
      users: { [username]: password },
      ...(options.tls ? { tls: { cert: options.tls.cert, key: options.tls.key } } : {}),
    });
    authConfig =
      `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${SERVICE}\n` +
      `    issuer: ${ISSUER}\n    rootcertbundle: ${signer.cert}\n`;
  }
  writeFileSync(join(dir, 'config.yml'), registryConfig(dir, host, authConfig, options));
  const registry = startProcess({
    name: 'registry',
    command: binary('registry'),
    args: ['serve', join(dir, 'config.yml')],
    logFile: join(dir, 'registry.log'),
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_SDK_DISABLED: 'true' },
  });
  const tls = options.tls;
  const url = `${tls ? 'https' : 'http'}://${host}`;
  const dispatcher = tls
    ? new Agent({
        connect: {
          ca: readFileSync(tls.ca),
          ...(tls.clientCert
            ? { cert: readFileSync(tls.clientCert.cert), key: readFileSync(tls.clientCert.key) }
            : {}),
        },
      })
    : undefined;
  await waitFor(
    'registry /v2/',
    async () => {
      const response = dispatcher
        ? await dispatcher.request({ origin: url, path: '/v2/', method: 'GET' })
        : await fetch(`${url}/v2/`);
      const status = 'statusCode' in response ? response.statusCode : response.status;
      if ('statusCode' in response) await response.body.dump();
      else await response.body?.cancel();
      return status === 200 || status === 401;
    },
    { timeoutMs: 30_000, onTimeout: () => registry.logTail() },
  );
  const credentials = auth === 'none' ? undefined : { username, password };
  return {
    url,
    host,
    auth,
    username,
    password,
    tokenServer,
    dispatcher,
    push: new RegistryPusher(url, credentials, dispatcher),
    requests: () => accessLog(registry),
    stop: async () => {
      await registry.stop();
      await tokenServer?.stop();
      await dispatcher?.close();
      removeTempDir(dir);
    },
  };
}

function registryConfig(dir: string, host: string, authConfig: string, options: RegistryOptions): string {
  let notifications = '';
  if (options.notifyUrl) {
    const headers = Object.entries(options.notifyHeaders ?? {})
      .map(([name, value]) => `        ${name}: [${JSON.stringify(value)}]\n`)
      .join('');
    notifications =
      'notifications:\n  events:\n    includereferences: true\n  endpoints:\n' +
      `    - name: tagpilot\n      url: ${options.notifyUrl}\n      timeout: 2s\n      threshold: 5\n` +
      `      backoff: 1s\n${headers ? `      headers:\n${headers}` : ''}`;
  }
  return `version: 0.1
log:
  level: warn
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: ${host}
  secret: tagpilot-test-secret
${tlsConfig(options)}${authConfig}${notifications}`;
}

function tlsConfig(options: RegistryOptions): string {
  const tls = options.tls;
  if (!tls) return '';
  const clientCas = tls.clientCa ? `    clientcas:\n      - ${tls.clientCa}\n` : '';
  return `  tls:\n    certificate: ${tls.cert}\n    key: ${tls.key}\n${clientCas}`;
}

function accessLog(registry: ManagedProcess): string[] {
  const text = readFileSync(registry.logFile, 'utf8');
  const lines: string[] = [];
  for (const match of text.matchAll(/"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP\/[\d.]+" (\d{3})/g)) {
    lines.push(`${match[1]} ${match[2]} ${match[3]}`);
  }
  return lines;
}
