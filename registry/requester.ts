/**
 * One authenticated request to a registry origin: the auth already known for the origin first,
 * one answer to a 401 challenge, redirects followed (blob storage) with the Authorization header
 * dropped as soon as the origin changes, and the final status turned into a typed error. Only a
 * challenge from the registry origin itself is answered: one from where a redirect led is an error.
 */
import type { Authenticator, AuthTarget } from './auth.ts';
import { RegistryError } from './errors.ts';
import { type Asked, checkStatus } from './responses.ts';
import { type HttpResponse, headerValue, type Transport } from './transport.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** Sends authenticated registry requests; shared by every call of a RegistryClient. */
export class RegistryRequester {
  readonly #transport: Transport;
  readonly #auth: Authenticator;

  constructor(transport: Transport, auth: Authenticator) {
    this.#transport = transport;
    this.#auth = auth;
  }

  /** GET or HEAD `path` on the target's origin; 2xx answers are returned, others throw RegistryError. */
  async request(
    target: AuthTarget,
    method: 'GET' | 'HEAD',
    path: string,
    accept: string,
    asked: Asked,
  ): Promise<HttpResponse> {
    const authorization = await this.#auth.authorization(target);
    let sent = await this.#sendFollowing(target, method, path, accept, authorization);
    if (sent.response.status === 401 && sent.origin !== target.origin) {
      // A challenge from where a redirect led: answering it would hand the registry's
      // credentials (or a token request carrying them) to that origin, and remembering its
      // scheme would poison every later request to the registry.
      throw foreignChallenge(target, sent.origin);
    }
    if (sent.response.status === 401) {
      const retry = await this.#auth.answerChallenge(target, sent.response, authorization);
      if (retry !== undefined) sent = await this.#sendFollowing(target, method, path, accept, retry);
      if (sent.response.status === 401 && sent.origin !== target.origin)
        throw foreignChallenge(target, sent.origin);
    }
    const response = sent.response;
    if (response.status >= 200 && response.status < 300) return response;
    const hadCredentials =
      response.status !== 401 || (await target.credentials?.(target.registry)) !== undefined;
    checkStatus(response, asked, hadCredentials);
    return response;
  }

  async #sendFollowing(
    target: AuthTarget,
    method: 'GET' | 'HEAD',
    path: string,
    accept: string,
    authorization: string | undefined,
  ): Promise<{ response: HttpResponse; origin: string }> {
    const context = { registry: target.registry, repository: target.repository };
    let origin = target.origin;
    let current = path;
    let auth = authorization;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> =
        auth === undefined ? { accept } : { accept, authorization: auth };
      const response = await this.#transport.send(
        { method, origin, path: current, headers, tls: target.tls },
        context,
      );
      const location = REDIRECTS.has(response.status) ? headerValue(response.headers, 'location') : undefined;
      if (location === undefined || hop >= MAX_REDIRECTS) return { response, origin };
      const next = new URL(location, origin + current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') return { response, origin };
      // Never carry credentials to a third origin (blob storage, CDN); once gone they stay gone.
      if (next.origin !== target.origin) auth = undefined;
      origin = next.origin;
      current = next.pathname + next.search;
    }
  }
}

function foreignChallenge(target: AuthTarget, origin: string): RegistryError {
  return new RegistryError(
    'UNAUTHORIZED',
    `registry ${target.registry}: a redirect led to ${origin}, which asked for credentials; not answered (credentials go only to ${target.origin} and its token realm)`,
    { registry: target.registry, repository: target.repository, status: 401, retryable: false },
  );
}
