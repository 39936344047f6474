/**
 * Registry authentication: anonymous first, then whatever the `WWW-Authenticate` challenge asks
 * for — Basic with the registry's credentials, or the Bearer token flow (GET realm?service&scope
 * with the credentials as Basic, then `Authorization: Bearer <token>` to the registry). The scheme
 * learned per registry origin is remembered, so later requests skip the anonymous probe. Tokens
 * are cached per (origin, scope, credentials) and concurrent fetches of one token are merged.
 *
 * Where credentials go: the Basic header only ever accompanies requests to the registry origin
 * (callers bind it to the origin), and to the token realm for the token request itself — never
 * to a realm over plain HTTP unless that host is loopback or configured insecure.
 */

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TlsSettings } from '../controller/util/tls-settings.ts';
import { type BearerChallenge, bearerChallenge, offersBasic, parseChallenges } from './challenge.ts';
import { basicAuthorization, type CredentialProvider, type Credentials } from './credentials.ts';
import { codeForStatus, RegistryError } from './errors.ts';
import { registryScheme } from './reference.ts';
import { parseJson, registryErrorText } from './schemas.ts';
import type { TokenCache } from './token-cache.ts';
import type { HttpResponse, Transport } from './transport.ts';

/** What a request is for: where it goes and the access it needs. */
export interface AuthTarget {
  /** Registry host as in references (credential lookup, error messages). */
  readonly registry: string;
  /** The registry API origin, e.g. `https://registry-1.docker.io`. */
  readonly origin: string;
  readonly repository: string;
  /** Token scope, e.g. `repository:library/nginx:pull`. */
  readonly scope: string;
  /** The credential source for this request. */
  readonly credentials: CredentialProvider | undefined;
  /** TLS settings of the registry and its token realm. Default none. */
  readonly tls?: TlsSettings | undefined;
}

/** Options of an Authenticator. */
export interface AuthenticatorOptions {
  readonly transport: Transport;
  readonly tokens: TokenCache;
  readonly now: () => number;
  /** Hosts that may be spoken to over plain HTTP (loopback always may). Default none. */
  readonly insecureHosts?: readonly string[];
}

type OriginScheme =
  | { readonly kind: 'bearer'; readonly challenge: BearerChallenge }
  | { readonly kind: 'basic' };

const tokenResponseSchema = z.object({
  token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
});

const ANONYMOUS = 'anonymous';

/** A stable, non-reversible identity of credentials, to key cached tokens without keeping secrets in keys. */
function credentialId(credentials: Credentials | undefined): string {
  if (credentials === undefined) return ANONYMOUS;
  const material =
    'token' in credentials ? `t:${credentials.token}` : `u:${credentials.username}:${credentials.password}`;
  return createHash('sha256').update(material).digest('base64url').slice(0, 22);
}

/** Produces `Authorization` headers for registry requests; see the module comment. */
export class Authenticator {
  readonly #o: AuthenticatorOptions;
  readonly #schemes = new Map<string, OriginScheme>();
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
  }

  /** The header to send first: a cached or fresh token, Basic, or none (an anonymous probe). */
  async authorization(target: AuthTarget): Promise<string | undefined> {
    const credentials = await target.credentials?.(target.registry);
    if (credentials !== undefined && 'token' in credentials) return `Bearer ${credentials.token}`;
    const scheme = this.#schemes.get(target.origin);
    if (scheme?.kind === 'bearer')
      return `Bearer ${await this.#token(target, scheme.challenge, credentials)}`;
    if (scheme?.kind === 'basic' && credentials !== undefined) {
      return basicAuthorization(credentials.username, credentials.password);
    }
    return undefined;
  }

  /**
   * Answers a 401: learns the scheme, fetches a fresh token (or takes Basic) and returns the header
   * to retry with, or undefined when there is nothing new to try.
   */
  async answerChallenge(
    target: AuthTarget,
    response: HttpResponse,
    sent: string | undefined,
  ): Promise<string | undefined> {
    const challenges = parseChallenges(joinHeader(response.headers['www-authenticate']));
    const credentials = await target.credentials?.(target.registry);
    if (credentials !== undefined && 'token' in credentials) return undefined;
    const bearer = bearerChallenge(challenges);
    if (bearer !== undefined) {
      this.#schemes.set(target.origin, { kind: 'bearer', challenge: bearer });
      this.#o.tokens.delete(this.#tokenKey(target, credentials));
      return `Bearer ${await this.#token(target, bearer, credentials)}`;
    }
    if (offersBasic(challenges)) {
      this.#schemes.set(target.origin, { kind: 'basic' });
      if (credentials === undefined) return undefined;
      const basic = basicAuthorization(credentials.username, credentials.password);
      return basic === sent ? undefined : basic;
    }
    return undefined;
  }

  #tokenKey(target: AuthTarget, credentials: Credentials | undefined): string {
    return `${target.origin} ${target.scope} ${credentialId(credentials)}`;
  }

  async #token(
    target: AuthTarget,
    challenge: BearerChallenge,
    credentials: Credentials | undefined,
  ): Promise<string> {
    const key = this.#tokenKey(target, credentials);
    const cached = this.#o.tokens.get(key);
    if (cached !== undefined) return cached;
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#fetchToken(target, challenge, credentials, key).finally(() =>
        this.#inflight.delete(key),
      );
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #fetchToken(
    target: AuthTarget,
    challenge: BearerChallenge,
    credentials: Credentials | undefined,
    key: string,
  ): Promise<string> {
    const realm = this.#realmUrl(target, challenge);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials !== undefined && !('token' in credentials)) {
      this.#checkRealmSafe(target, realm);
      headers.authorization = basicAuthorization(credentials.username, credentials.password);
    }
    const obtainedAt = this.#o.now();
    const context = { registry: target.registry, repository: target.repository };
    const response = await this.#o.transport.send(
      { method: 'GET', origin: realm.origin, path: realm.pathname + realm.search, headers, tls: target.tls },
      context,
    );
    const where = `token request to ${realm.origin}${realm.pathname}`;
    if (response.status !== 200) throw tokenError(target, response, where, credentials !== undefined);
    const body = parseJson(tokenResponseSchema, response.body, {
      ...context,
      what: `${where}: token response`,
    });
    const token = body.token ?? body.access_token;
    if (token === undefined) {
      throw new RegistryError('INVALID_RESPONSE', `${where}: the response has no token`, context);
    }
    this.#o.tokens.set(key, token, obtainedAt, body.expires_in);
    return token;
  }

  #realmUrl(target: AuthTarget, challenge: BearerChallenge): URL {
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch (cause) {
      throw new RegistryError(
        'INVALID_RESPONSE',
        `registry ${target.registry}: token realm "${challenge.realm}" is not a URL`,
        {
          registry: target.registry,
          cause,
        },
      );
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new RegistryError(
        'INVALID_RESPONSE',
        `registry ${target.registry}: token realm must be http(s)`,
        {
          registry: target.registry,
        },
      );
    }
    if (challenge.service !== undefined) realm.searchParams.set('service', challenge.service);
    realm.searchParams.set('scope', target.scope);
    return realm;
  }

  /** Refuses to send a password in clear text to a realm that is neither https, loopback nor configured insecure. */
  #checkRealmSafe(target: AuthTarget, realm: URL): void {
    if (realm.protocol === 'https:') return;
    if (registryScheme(realm.host, this.#o.insecureHosts) === 'http') return;
    throw new RegistryError(
      'UNAUTHORIZED',
      `registry ${target.registry}: token realm ${realm.origin} is plain HTTP; credentials not sent`,
      { registry: target.registry, repository: target.repository, retryable: false },
    );
  }
}

function tokenError(
  target: AuthTarget,
  response: HttpResponse,
  where: string,
  hadCredentials: boolean,
): RegistryError {
  const status = response.status;
  const details = { registry: target.registry, repository: target.repository, status };
  // The token server's own words (GHCR: `DENIED: requested access to the resource is denied`).
  const text = registryErrorText(response.body);
  const answer = text === undefined ? `HTTP ${status}` : `HTTP ${status}, ${text}`;
  if (status === 401 || (status === 403 && hadCredentials)) {
    const who = hadCredentials ? `rejected the credentials for ${target.scope}` : 'requires credentials';
    return new RegistryError(
      status === 401 ? 'UNAUTHORIZED' : codeForStatus(status),
      `registry ${target.registry} ${who} (${where}: ${answer})`,
      details,
    );
  }
  if (status >= 300 && status < 400) {
    return new RegistryError(
      'INVALID_RESPONSE',
      `${where}: redirected (HTTP ${status}); not followed`,
      details,
    );
  }
  return new RegistryError(codeForStatus(status), `${where}: ${answer}`, details);
}

function joinHeader(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
