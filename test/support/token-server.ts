// A small Docker token server (the auth half of the distribution token flow; the registry itself
// is the real one). Issues RS256 JWTs with an x5c header that the registry verifies against its
// rootcertbundle. Test knobs: a request counter and an artificial delay (a realm that hangs).

import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { SignJWT } from 'jose';
import { freePort } from './processes.ts';

/** A running token server. */
export interface TokenServer {
  readonly realm: string;
  /** Number of token requests served so far. */
  requests(): number;
  /** Makes every later token request wait this long before answering (0 = answer at once). */
  setDelay(ms: number): void;
  /**
   * While set, token requests for a scope matching `scope` find the realm down: the connection is
   * closed without an answer. `undefined` brings it back.
   */
  setDown(scope: RegExp | undefined): void;
  /** Token requests refused by `setDown` so far. */
  refused(): number;
  stop(): Promise<void>;
}

/** Options for startTokenServer. */
export interface TokenServerOptions {
  service: string;
  issuer: string;
  /** PEM cert (self-signed, also the registry's rootcertbundle) and its key. */
  certFile: string;
  keyFile: string;
  users: Record<string, string>;
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
  /** Serve HTTPS with this certificate and key (PEM files). Default plain HTTP. */
  tls?: { cert: string; key: string };
}

/** Starts the token server on a free loopback port. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(readFileSync(options.keyFile));
  const der = new X509Certificate(readFileSync(options.certFile)).raw.toString('base64');
  const expiresIn = options.expiresIn ?? 300;
  let count = 0;
  let delay = 0;
  let down: RegExp | undefined;
  let refused = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    count++;
    const scopes = new URL(req.url ?? '/', 'http://localhost').searchParams.getAll('scope');
    if (down && scopes.some((scope) => down?.test(scope))) {
      refused++;
      req.socket.destroy();
      return;
    }
    const answer = async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const user = basicUser(req.headers.authorization, options.users);
      if (user === null) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      const access = url.searchParams.getAll('scope').flatMap((scope) => grant(scope, user));
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [der] })
        .setIssuer(options.issuer)
        .setSubject(user || 'anonymous')
        .setAudience(url.searchParams.get('service') ?? options.service)
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + expiresIn)
        .setJti(randomUUID())
        .sign(key);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          token,
          access_token: token,
          expires_in: expiresIn,
          issued_at: new Date().toISOString(),
        }),
      );
    };
    const go = () => answer().catch(() => res.destroy());
    if (delay > 0) setTimeout(go, delay);
    else go();
  };
  const tls = options.tls;
  const server: Server = tls
    ? createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler)
    : createServer(handler);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    realm: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    requests: () => count,
    setDelay: (ms) => {
      delay = ms;
    },
    setDown: (scope) => {
      down = scope;
    },
    refused: () => refused,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** '' for anonymous, the user name for good credentials, null for bad ones. */
function basicUser(header: string | undefined, users: Record<string, string>): string | null {
  if (!header) return '';
  const [scheme, encoded] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const name = decoded.slice(0, colon);
  return users[name] !== undefined && users[name] === decoded.slice(colon + 1) ? name : null;
}

/** Authenticated users get what they ask for; anonymous users get nothing. */
function grant(scope: string, user: string): { type: string; name: string; actions: string[] }[] {
  if (!user) return [];
  const [type, ...rest] = scope.split(':');
  const actions = rest.pop()?.split(',') ?? [];
  return type ? [{ type, name: rest.join(':'), actions }] : [];
}
