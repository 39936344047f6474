/**
 * Image references parsed the way Docker parses them (distribution/reference's normalised form):
 * `nginx` is `docker.io/library/nginx`, the first path component is a registry host only when it
 * contains `.` or `:`, is `localhost`, or has upper-case letters; repository paths are lower case.
 */
import { RegistryError } from './errors.ts';

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host as users write it, normalised: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Repository path inside the registry: `library/nginx`, `org/app`. */
  readonly repository: string;
  /** The tag, when one was given. */
  readonly tag: string | undefined;
  /** The digest (`sha256:…`), when one was given. */
  readonly digest: string | undefined;
}

/** The registry host Docker Hub references normalise to. */
export const DOCKER_HUB = 'docker.io';

const DOCKER_HUB_API = 'registry-1.docker.io';
const NAME_MAX = 255;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_NAME =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;
const PORT = /^[0-9]+$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX64 = /^[a-f0-9]{64}$/;

function invalid(input: string, why: string): RegistryError {
  return new RegistryError('INVALID_REFERENCE', `invalid image reference "${input}": ${why}`);
}

function isValidHost(host: string): boolean {
  const bracketEnd = host.startsWith('[') ? host.indexOf(']') + 1 : 0;
  const colon = host.indexOf(':', bracketEnd);
  const name = colon === -1 ? host : host.slice(0, colon);
  if (colon !== -1 && !PORT.test(host.slice(colon + 1))) return false;
  return DOMAIN_NAME.test(name) || IPV6.test(name);
}

/** Docker's rule for "is the first path component a registry host?". */
function looksLikeHost(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    component !== component.toLowerCase()
  );
}

function splitDigest(input: string): { rest: string; digest: string | undefined } {
  const at = input.indexOf('@');
  if (at === -1) return { rest: input, digest: undefined };
  const digest = input.slice(at + 1);
  if (!DIGEST.test(digest)) throw invalid(input, `"${digest}" is not a digest (algorithm:hex)`);
  return { rest: input.slice(0, at), digest };
}

function splitTag(input: string, rest: string): { name: string; tag: string | undefined } {
  const colon = rest.lastIndexOf(':');
  if (colon === -1 || colon < rest.lastIndexOf('/')) return { name: rest, tag: undefined };
  const tag = rest.slice(colon + 1);
  if (!TAG.test(tag)) throw invalid(input, `"${tag}" is not a valid tag`);
  return { name: rest.slice(0, colon), tag };
}

function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash === -1 || !looksLikeHost(first)) {
    return { registry: DOCKER_HUB, path: name };
  }
  const registry = first === 'index.docker.io' ? DOCKER_HUB : first;
  return { registry, path: name.slice(slash + 1) };
}

function checkPath(input: string, path: string): void {
  if (path === '') throw invalid(input, 'the repository name is empty');
  if (path !== path.toLowerCase()) throw invalid(input, `repository name "${path}" must be lowercase`);
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(
        input,
        `"${component}" is not a valid path component (lower-case letters and digits, separated by ".", "_", "__" or "-")`,
      );
    }
  }
}

/** Parses and normalises an image reference; throws `RegistryError` `INVALID_REFERENCE`. */
export function parseReference(input: string): ImageReference {
  if (input === '') throw invalid(input, 'it is empty');
  if (input.trim() !== input) throw invalid(input, 'it has leading or trailing white space');
  if (input.includes('://')) throw invalid(input, 'a reference has no URL scheme');
  const { rest, digest } = splitDigest(input);
  const { name, tag } = splitTag(input, rest);
  if (HEX64.test(name)) throw invalid(input, 'a 64-character hex string is an image ID, not a name');
  const split = splitRegistry(name);
  if (!isValidHost(split.registry)) throw invalid(input, `"${split.registry}" is not a valid registry host`);
  checkPath(input, split.path);
  const repository =
    split.registry === DOCKER_HUB && !split.path.includes('/') ? `library/${split.path}` : split.path;
  if (split.registry.length + 1 + repository.length > NAME_MAX) {
    throw invalid(input, `the name is longer than ${NAME_MAX} characters`);
  }
  return { registry: split.registry, repository, tag, digest };
}

/** The reference as a string, `registry/repository[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  const tag = ref.tag === undefined ? '' : `:${ref.tag}`;
  const digest = ref.digest === undefined ? '' : `@${ref.digest}`;
  return `${ref.registry}/${ref.repository}${tag}${digest}`;
}

/** The same repository with another tag (and no digest); throws `INVALID_REFERENCE` for a malformed tag. */
export function withTag(ref: ImageReference, tag: string): ImageReference {
  if (!TAG.test(tag))
    throw invalid(`${ref.registry}/${ref.repository}:${tag}`, `"${tag}" is not a valid tag`);
  return { registry: ref.registry, repository: ref.repository, tag, digest: undefined };
}

/** The host the registry API is served from: `docker.io` is `registry-1.docker.io`. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** The host without its port (and without IPv6 brackets). */
export function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(1, end);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** True for localhost, 127.0.0.0/8 and ::1: registries there are spoken to over plain HTTP. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host).toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * `https` for `tlsHosts` (exact host or host:port; --tls-registries), else `http` for loopback hosts
 * and `insecureHosts` (--insecure-registries), else `https`.
 */
export function registryScheme(
  host: string,
  insecureHosts: readonly string[] = [],
  tlsHosts: readonly string[] = [],
): 'http' | 'https' {
  const lower = host.toLowerCase();
  const listed = (hosts: readonly string[]) => hosts.some((h) => h.toLowerCase() === lower);
  if (listed(tlsHosts)) return 'https';
  if (isLoopbackHost(host)) return 'http';
  return listed(insecureHosts) ? 'http' : 'https';
}

/**
 * The origin requests for a registry go to, e.g. `https://registry-1.docker.io`. With `tls` (the
 * caller has TLS settings for it: a CA, a client certificate or skip-verify) it is always https.
 */
export function registryOrigin(
  registry: string,
  insecureHosts: readonly string[] = [],
  options: { tlsHosts?: readonly string[]; tls?: boolean } = {},
): string {
  const host = registryApiHost(registry);
  const scheme = options.tls === true ? 'https' : registryScheme(host, insecureHosts, options.tlsHosts);
  return `${scheme}://${host}`;
}
