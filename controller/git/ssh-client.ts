// isomorphic-git's HttpClient over SSH. isomorphic-git speaks smart HTTP only; this client takes its
// requests for a stand-in URL (ssh-url.ts) and runs them over one SSH connection:
//   GET  …/info/refs?service=S  -> exec `S '<path>'`, read the ref advertisement, send a flush, and
//                                  answer with `# service=S` + flush + the advertisement
//   POST …/S                     -> exec `S '<path>'`, skip the advertisement, send the request body,
//                                  answer with the rest of the output
// The server is checked against known_hosts before anything is sent; no known_hosts, no connection.
import { connect as netConnect, type Socket } from 'node:net';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { Client, ClientChannel, ServerHostKeyAlgorithm } from 'ssh2';
import { GitError, type GitOperation } from './errors.ts';
import { hostKeyName, knownKeyTypes, parseKnownHosts, verifyHostKey } from './known-hosts.ts';
import {
  FLUSH,
  type GitService,
  PktLineError,
  pktLine,
  readService,
  type ServiceOutput,
} from './ssh-command.ts';
import { fingerprintOf, type SshIdentity } from './ssh-keys.ts';
import { type SshTarget, shellQuote, standInUrl } from './ssh-url.ts';
import { ssh2 } from './ssh2-lazy.ts';

/** Options of `createSshHttpClient`. */
export interface SshHttpClientOptions {
  target: SshTarget;
  /** The loaded private key (ssh-keys.ts `loadIdentity`). */
  identity: SshIdentity;
  /** The private key text and passphrase `identity` was loaded from (handed to ssh2 only). */
  privateKey: string;
  passphrase?: string | undefined;
  /** known_hosts text; undefined or empty refuses every connection with KNOWN_HOSTS_MISSING. */
  knownHosts: string | undefined;
  /** Time for TCP connect + SSH handshake + authentication. Default 20 s. */
  readyTimeoutMs?: number;
  /** An idle connection is closed after this long. Default 15 s. */
  idleMs?: number;
  /** How long an advertisement's channel waits for the exchange that follows it. Default 2 s. */
  parkMs?: number;
  /** Asked before every push, whose signal cuts it off (see http-client.ts). Default none. */
  fence?: { check(what: string): void; readonly signal: AbortSignal };
}

/** An SSH-backed HttpClient, the stand-in URL to give isomorphic-git, and a way to hang up. */
export interface SshHttpClient {
  http: HttpClient;
  url: string;
  /** Closes the connection (a later request opens a new one). */
  close(): void;
}

const HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]);

/** Creates the client for one repository. Nothing connects until the first request. */
export function createSshHttpClient(options: SshHttpClientOptions): SshHttpClient {
  const url = standInUrl(options.target);
  const connection = new SshConnection(options);
  const parking = new Parking(options.parkMs ?? DEFAULT_PARK_MS);
  return {
    url,
    close: () => {
      parking.release();
      connection.close();
    },
    http: {
      request: (request) => serve({ connection, parking, base: url, options }, request),
    },
  };
}

/** How long an advertised service waits for the request that usually follows its advertisement. */
const DEFAULT_PARK_MS = 2_000;

/** A service whose advertisement was answered, waiting for the exchange on the same channel. */
interface Parked {
  service: GitService;
  channel: ClientChannel;
  output: ServiceOutput;
}

/**
 * Smart HTTP asks for the advertisement and then for the exchange; over SSH both are one run of the
 * service. Starting a service costs the server a process or three (a shell, git-shell, git), so the
 * channel that answered the advertisement is kept for a moment and the exchange that follows uses
 * it: one run per fetch or push, as the git CLI does. Unused, it is closed with a flush-pkt (which
 * ends the service cleanly, as `git ls-remote` does).
 */
class Parking {
  readonly #ms: number;
  #parked: Parked | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  park(parked: Parked): void {
    this.release();
    this.#parked = parked;
    this.#timer = setTimeout(() => this.release(), this.#ms);
    this.#timer.unref();
  }

  /** The parked channel of `service`, left parked (its deadline unchanged). */
  peek(service: GitService): Parked | undefined {
    return this.#parked?.service === service ? this.#parked : undefined;
  }

  /** The parked channel of `service`, if any; any other parked channel is closed. */
  take(service: GitService): Parked | undefined {
    const parked = this.#parked;
    clearTimeout(this.#timer);
    this.#parked = undefined;
    if (parked?.service === service) return parked;
    if (parked) hangUp(parked);
    return undefined;
  }

  release(): void {
    clearTimeout(this.#timer);
    const parked = this.#parked;
    this.#parked = undefined;
    if (parked) hangUp(parked);
  }
}

function hangUp({ channel, output }: Parked): void {
  channel.end(FLUSH);
  // Read to the end (nothing more comes) so that the channel closes.
  void (async () => {
    for await (const _ of output.rest()) {
      // discard
    }
  })().catch(() => {});
}

interface Session {
  connection: SshConnection;
  parking: Parking;
  base: string;
  options: SshHttpClientOptions;
}

async function serve(session: Session, request: GitHttpRequest): Promise<GitHttpResponse> {
  const { target, fence: writeFence } = session.options;
  const method = request.method ?? 'GET';
  if (!request.url.startsWith(`${session.base}/`))
    throw new Error(`ssh client: not this repository's URL: ${request.url}`);
  const rest = request.url.slice(session.base.length);
  const advertise = /^\/info\/refs\?service=(git-upload-pack|git-receive-pack)$/.exec(rest);
  const exchange = /^\/(git-upload-pack|git-receive-pack)$/.exec(rest);
  const service = (advertise?.[1] ?? exchange?.[1]) as GitService | undefined;
  if (service === undefined || (advertise ? method !== 'GET' : method !== 'POST'))
    return answer(request, 404, 'text/plain', [Buffer.from('not a Git request')]);
  const operation: GitOperation = service === 'git-receive-pack' ? 'push' : 'fetch';
  const fence = exchange && service === 'git-receive-pack' ? writeFence : undefined;
  fence?.check(`push to ${target.display}`);
  const body = request.body === undefined ? undefined : await collect(request.body);
  // A second advertisement request within the parking time (isomorphic-git asks once to find the
  // remote head and again to fetch) is answered from the parked run, whose exchange then matches it.
  const again = advertise ? session.parking.peek(service) : undefined;
  if (again?.output.advertisement) return advertisement(request, service, again.output.advertisement);
  // A new advertisement replaces whatever was parked; an exchange takes the parked channel.
  if (advertise) session.parking.release();
  const parked = advertise ? undefined : session.parking.take(service);
  const channel =
    parked?.channel ?? (await session.connection.exec(`${service} ${shellQuote(target.path)}`, operation));
  const abort = () => channel.close();
  fence?.signal.addEventListener('abort', abort, { once: true });
  try {
    const output = parked?.output ?? (await readService(channel));
    if (output.advertisement === undefined) return await failure(output, target, operation);
    if (advertise) {
      session.parking.park({ service, channel, output });
      return advertisement(request, service, output.advertisement);
    }
    channel.end(body);
    return answer(request, 200, `application/x-${service}-result`, output.rest());
  } catch (error) {
    if (fence?.signal.aborted) throw fence.signal.reason;
    if (!(error instanceof PktLineError)) throw error;
    channel.close();
    throw new GitError(
      'INVALID_RESPONSE',
      `${operation} ${target.display}: the SSH server did not answer as Git (${error.message})`,
      {
        url: target.display,
        operation,
        retryable: false,
      },
    );
  } finally {
    fence?.signal.removeEventListener('abort', abort);
  }
}

/** The smart-HTTP answer to `info/refs?service=…`: the service line, a flush, the SSH advertisement. */
function advertisement(request: GitHttpRequest, service: GitService, refs: Buffer): GitHttpResponse {
  const head = Buffer.concat([pktLine(`# service=${service}\n`), FLUSH]);
  return answer(request, 200, `application/x-${service}-advertisement`, [head, refs]);
}

/** The service ended without an advertisement: a missing repository, no access, or worse. */
async function failure(output: ServiceOutput, target: SshTarget, operation: GitOperation): Promise<never> {
  const code = await output.exited;
  const stderr = output.stderr();
  const where = `${operation} ${target.display}`;
  const details = { url: target.display, operation };
  if (/does not appear to be a git repository|not a git repository|no such file|not found/i.test(stderr))
    throw new GitError('NOT_FOUND', `${where}: repository not found (the server said: ${stderr})`, details);
  if (/permission denied|access denied|not allowed|forbidden|read.only/i.test(stderr))
    throw new GitError(
      'FORBIDDEN',
      `${where}: the server refused access (${stderr}); a deploy key needs write access to push`,
      details,
    );
  throw new GitError(
    'INVALID_RESPONSE',
    `${operation} ${target.display}: the SSH server did not run Git (exit ${code ?? 'unknown'}${stderr ? `: ${stderr}` : ''})`,
    { url: target.display, operation, retryable: false },
  );
}

function answer(
  request: GitHttpRequest,
  statusCode: number,
  contentType: string,
  body: Iterable<Uint8Array> | AsyncIterableIterator<Uint8Array>,
): GitHttpResponse {
  const iterator =
    Symbol.asyncIterator in body
      ? (body as AsyncIterableIterator<Uint8Array>)
      : (async function* () {
          yield* body as Iterable<Uint8Array>;
        })();
  return {
    url: request.url,
    method: request.method ?? 'GET',
    statusCode,
    statusMessage: statusCode === 200 ? 'OK' : 'Not Found',
    headers: { 'content-type': contentType },
    body: iterator,
  };
}

async function collect(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * One SSH connection, opened on demand, shared by the requests of one repository and closed when
 * idle. Its socket keeps the process alive only while a request is in flight.
 */
class SshConnection {
  readonly #options: SshHttpClientOptions;
  #client: Promise<{ client: Client; socket: Socket }> | undefined;
  #inFlight = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: SshHttpClientOptions) {
    this.#options = options;
  }

  /** Runs `command` on a new channel; the channel counts as in flight until it closes. */
  async exec(command: string, operation: GitOperation): Promise<ClientChannel> {
    this.#inFlight++;
    clearTimeout(this.#idleTimer);
    let opened: { client: Client; socket: Socket };
    try {
      opened = await this.#connect(operation);
      opened.socket.ref();
    } catch (error) {
      this.#release();
      throw error;
    }
    return new Promise((resolve, reject) => {
      opened.client.exec(command, (error, channel) => {
        if (error) {
          this.#release();
          this.close();
          reject(
            this.#error('UNREACHABLE', operation, `cannot run ${command.split(' ')[0]} (${error.message})`),
          );
          return;
        }
        // The exit status comes after the last byte of output; 'close' waits until that output has
        // been read, which a caller may never do.
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          this.#release();
        };
        channel.on('exit', release);
        channel.on('close', release);
        resolve(channel);
      });
    });
  }

  close(): void {
    clearTimeout(this.#idleTimer);
    const client = this.#client;
    this.#client = undefined;
    void client?.then(({ client }) => client.end()).catch(() => {});
  }

  #release(): void {
    this.#inFlight--;
    if (this.#inFlight > 0) return;
    void this.#client?.then(({ socket }) => socket.unref()).catch(() => {});
    this.#idleTimer = setTimeout(() => this.close(), this.#options.idleMs ?? 15_000);
    this.#idleTimer.unref();
  }

  #connect(operation: GitOperation): Promise<{ client: Client; socket: Socket }> {
    this.#client ??= this.#open(operation);
    const pending = this.#client;
    pending.catch(() => {
      if (this.#client === pending) this.#client = undefined;
    });
    return pending;
  }

  async #open(operation: GitOperation): Promise<{ client: Client; socket: Socket }> {
    const { target, identity, knownHosts } = this.#options;
    const name = hostKeyName(target.host, target.port);
    if (knownHosts === undefined || knownHosts.trim() === '') {
      throw this.#error(
        'KNOWN_HOSTS_MISSING',
        operation,
        `no known_hosts in the Secret, so the server cannot be verified; add one with the output of \`ssh-keyscan -p ${target.port} ${target.host}\` (checked against the key your Git host publishes) under the key known_hosts`,
      );
    }
    const entries = parseKnownHosts(knownHosts);
    const types = knownKeyTypes(entries, target.host, target.port).filter((t) => HOST_KEY_ALGORITHMS.has(t));
    if (types.length === 0) {
      throw this.#error(
        'HOST_KEY_UNKNOWN',
        operation,
        `known_hosts has no key for ${name}; add the output of \`ssh-keyscan -p ${target.port} ${target.host}\``,
      );
    }
    let refused: GitError | undefined;
    const socket = netConnect({ host: target.host, port: target.port });
    const client = new (ssh2().Client)();
    return new Promise((resolve, reject) => {
      client.on('ready', () => resolve({ client, socket }));
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        socket.destroy();
        if (refused) return reject(refused);
        if (error.level === 'client-authentication') {
          return reject(
            this.#error(
              'UNAUTHORIZED',
              operation,
              `authentication failed: add this deploy key (with write access) to the repository: ${identity.publicKey} (${identity.fingerprint})`,
            ),
          );
        }
        const why = error.code ?? error.message;
        reject(this.#error('UNREACHABLE', operation, `SSH connection to ${name} failed (${why})`, error));
      });
      client.on('close', () => {
        if (this.#client !== undefined) void this.#forget(client);
      });
      client.connect({
        sock: socket,
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey: this.#options.privateKey,
        ...(this.#options.passphrase === undefined ? {} : { passphrase: this.#options.passphrase }),
        readyTimeout: this.#options.readyTimeoutMs ?? 20_000,
        algorithms: { serverHostKey: types as ServerHostKeyAlgorithm[] },
        hostVerifier: (key: Buffer) => {
          const verdict = verifyHostKey(entries, target.host, target.port, key);
          if (verdict === 'trusted') return true;
          refused = this.#hostKeyError(verdict, operation, name, key);
          return false;
        },
      });
    });
  }

  async #forget(client: Client): Promise<void> {
    const current = await this.#client?.catch(() => undefined);
    if (current?.client === client) this.#client = undefined;
  }

  #hostKeyError(
    verdict: 'unknown' | 'changed' | 'revoked',
    operation: GitOperation,
    name: string,
    key: Buffer,
  ) {
    const shown = fingerprintOf(key);
    if (verdict === 'revoked')
      return this.#error(
        'HOST_KEY_REVOKED',
        operation,
        `the host key of ${name} (${shown}) is marked @revoked in known_hosts`,
      );
    if (verdict === 'unknown')
      return this.#error(
        'HOST_KEY_UNKNOWN',
        operation,
        `known_hosts has no key for ${name} (it showed ${shown})`,
      );
    return this.#error(
      'HOST_KEY_CHANGED',
      operation,
      `the host key of ${name} changed (it showed ${shown}, which known_hosts does not list): refused, as someone may be intercepting the connection; if the server's key really changed, update known_hosts`,
    );
  }

  #error(code: GitError['code'], operation: GitOperation, text: string, cause?: unknown): GitError {
    const { display } = this.#options.target;
    return new GitError(code, `${operation} ${display}: ${text}`, {
      url: display,
      operation,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}
