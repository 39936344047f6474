// A small cache of undici dispatchers keyed by TLS settings. Objects without TLS settings share one
// pool (the caller's); each distinct set of settings (CA bundle, client certificate, skip-verify)
// gets its own keep-alive Agent, made once and reused by every object with the same settings. The
// controller-level CA (--ca-file) is trusted by every pool, the shared one included.
import { createSecureContext, getCACertificates, type SecureContext } from 'node:tls';
import { buildConnector, type Dispatcher } from 'undici';
import { hasTlsSettings, type TlsSettings, tlsSettingsDigest } from './tls-settings.ts';

/** The `connect` option of an undici Agent. */
export type ConnectOption = buildConnector.BuildOptions | buildConnector.connector;

/** Options of `TlsAgents`. */
export interface TlsAgentsOptions {
  /** The pool of every connection without TLS settings; never closed here. */
  shared: Dispatcher;
  /** Makes an Agent with the given `connect` option (same pool settings as `shared`). */
  make: (connect: ConnectOption) => Dispatcher;
  /** The controller-level CA bundle (--ca-file, PEM), trusted besides Node's roots. Default none. */
  extraCa?: string | undefined;
  /** Told about every new connection that skips verification, to log a warning. Default nobody. */
  onInsecureConnection?: ((host: string) => void) | undefined;
  /** Agents kept at most; the least recently used is closed beyond that. Default 32. */
  maxAgents?: number | undefined;
}

/** The TLS connect options for `settings` on top of Node's roots and `extraCa`. */
function connectOptions(
  settings: TlsSettings | undefined,
  extraCa: string | undefined,
): buildConnector.BuildOptions {
  const cas = [settings?.ca, extraCa].filter((ca) => ca !== undefined);
  const needsContext = cas.length > 0 || settings?.cert !== undefined;
  // One SecureContext per Agent: handing `ca` to every connection would parse Node's roots each time.
  const secureContext: SecureContext | undefined = needsContext
    ? createSecureContext({
        // Node's default trust (bundled roots, NODE_EXTRA_CA_CERTS, the system store with --use-system-ca) plus ours.
        ...(cas.length > 0 ? { ca: [...getCACertificates('default'), ...cas] } : {}),
        ...(settings?.cert !== undefined ? { cert: settings.cert, key: settings.key } : {}),
      })
    : undefined;
  return {
    ...(secureContext ? { secureContext } : {}),
    ...(settings?.insecureSkipVerify === true ? { rejectUnauthorized: false } : {}),
  } as buildConnector.BuildOptions;
}

/**
 * The `connect` option of an Agent for `settings` on top of Node's roots and `extraCa` (--ca-file).
 * In TLS 1.3 a server checks the client certificate after the client's handshake is done, and its
 * refusal (an alert) reaches the socket as an error just before the end of the stream; undici then
 * reports only "other side closed". The connector makes such an alert end the socket with itself,
 * so the request fails with the alert's code (e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED).
 */
export function tlsConnector(
  settings: TlsSettings | undefined,
  extraCa: string | undefined,
  onConnect?: (host: string) => void,
): buildConnector.connector {
  const connector = buildConnector(connectOptions(settings, extraCa));
  return (opts, callback) => {
    onConnect?.(opts.hostname);
    return connector(opts, (error, socket) => {
      if (error === null) {
        socket.prependListener('error', (socketError: NodeJS.ErrnoException) => {
          if (socketError.code?.startsWith('ERR_SSL_') && !socket.destroyed) socket.destroy(socketError);
        });
        callback(null, socket);
      } else callback(error, null);
    });
  };
}

/** Dispatchers by TLS settings; see the module comment. */
export class TlsAgents {
  readonly #o: TlsAgentsOptions;
  readonly #agents = new Map<string, Dispatcher>();

  constructor(options: TlsAgentsOptions) {
    this.#o = options;
  }

  /** The dispatcher for `settings`: the shared pool when there are none. */
  get(settings: TlsSettings | undefined): Dispatcher {
    if (!hasTlsSettings(settings)) return this.#o.shared;
    const key = tlsSettingsDigest(settings);
    const known = this.#agents.get(key);
    if (known !== undefined) {
      // Most recently used last.
      this.#agents.delete(key);
      this.#agents.set(key, known);
      return known;
    }
    const agent = this.#o.make(this.#connect(settings));
    this.#agents.set(key, agent);
    this.#evict();
    return agent;
  }

  /** Number of Agents made for TLS settings (the shared pool not counted). */
  get size(): number {
    return this.#agents.size;
  }

  /** Closes every Agent made here (in-flight requests finish first); the shared pool is left alone. */
  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.allSettled(agents.map((agent) => agent.close()));
  }

  #connect(settings: TlsSettings): ConnectOption {
    const warn = settings.insecureSkipVerify === true ? this.#o.onInsecureConnection : undefined;
    return tlsConnector(settings, this.#o.extraCa, warn);
  }

  #evict(): void {
    const max = this.#o.maxAgents ?? 32;
    for (const [key, agent] of this.#agents) {
      if (this.#agents.size <= max) return;
      this.#agents.delete(key);
      void agent.close().catch(() => undefined);
    }
  }
}
