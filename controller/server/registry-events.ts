// Reads "an image was pushed" out of the notification bodies that registries send: distribution
// (CNCF registry, also behind GitLab, Zot, …), Docker Hub, GitHub Packages (ghcr.io) and Harbor.
// One schema per shape, only the fields used; everything else in a body is ignored.
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { parseReference } from '../../registry/index.ts';
import { header } from './webhook-auth.ts';

/** Who sent a registry notification. */
export type RegistrySource = 'distribution' | 'dockerhub' | 'github' | 'harbor' | 'unknown';

/** One pushed tag. `registry` is undefined when the sender does not say which host it serves. */
export interface PushedImage {
  registry: string | undefined;
  /** Repository path, normalised as Docker does (`library/nginx`). */
  repository: string;
  tag: string;
}

/** What a registry notification means for us. */
export type RegistryEvent =
  | { kind: 'push'; source: RegistrySource; images: PushedImage[] }
  | { kind: 'ignored'; source: RegistrySource; reason: string }
  | { kind: 'invalid'; source: RegistrySource; message: string };

/** distribution's notification envelope (`application/vnd.docker.distribution.events.v1+json`). */
const distributionEnvelopeSchema = z.object({
  events: z.array(
    z.object({
      action: z.string(),
      target: z.object({ repository: z.string(), tag: z.string().optional() }).optional(),
      request: z.object({ host: z.string() }).optional(),
    }),
  ),
});

/** Docker Hub's repository webhook. */
const dockerHubSchema = z.object({
  push_data: z.object({ tag: z.string() }),
  repository: z.object({ repo_name: z.string() }),
});

/** The package object of GitHub's `package` and `registry_package` events. */
const githubPackageSchema = z.object({
  name: z.string(),
  namespace: z.string().optional(),
  package_type: z.string(),
  owner: z.object({ login: z.string() }).optional(),
  package_version: z
    .object({
      package_url: z.string().optional(),
      container_metadata: z.object({ tag: z.object({ name: z.string().optional() }).nullish() }).nullish(),
    })
    .nullish(),
});

const githubPackageEventSchema = z.object({ action: z.string(), package: githubPackageSchema });
const githubRegistryPackageEventSchema = z.object({
  action: z.string(),
  registry_package: githubPackageSchema,
});

/** Harbor's webhook (default payload format). */
const harborSchema = z.object({
  type: z.string(),
  event_data: z.object({
    repository: z.object({ repo_full_name: z.string() }),
    resources: z.array(z.object({ tag: z.string().optional(), resource_url: z.string().optional() })),
  }),
});

/** Interprets a parsed JSON body sent to /hooks/registry. */
export function parseRegistryEvent(headers: IncomingHttpHeaders, body: unknown): RegistryEvent {
  const githubEvent = header(headers, 'x-github-event');
  if (githubEvent !== undefined) return parseGithub(githubEvent, body);
  if (hasKey(body, 'events')) return parseDistribution(body);
  if (hasKey(body, 'push_data')) return parseDockerHub(body);
  if (hasKey(body, 'event_data')) return parseHarbor(body);
  return {
    kind: 'invalid',
    source: 'unknown',
    message: 'not a registry notification (distribution, Docker Hub, GitHub package or Harbor)',
  };
}

function parseDistribution(body: unknown): RegistryEvent {
  const parsed = distributionEnvelopeSchema.safeParse(body);
  if (!parsed.success) return invalid('distribution', parsed.error);
  const images: PushedImage[] = [];
  for (const event of parsed.data.events) {
    // Blob pushes and pushes by digest carry no tag: nothing a tag policy could pick.
    if (event.action !== 'push' || !event.target?.tag || !event.request) continue;
    const image = pushedImage(
      `${event.request.host.toLowerCase()}/${event.target.repository}`,
      event.target.tag,
    );
    if (image) images.push(image);
  }
  return pushOrIgnored('distribution', images, 'no tag was pushed');
}

function parseDockerHub(body: unknown): RegistryEvent {
  const parsed = dockerHubSchema.safeParse(body);
  if (!parsed.success) return invalid('dockerhub', parsed.error);
  const image = pushedImage(`docker.io/${parsed.data.repository.repo_name}`, parsed.data.push_data.tag);
  return pushOrIgnored('dockerhub', image ? [image] : [], 'no valid tag was pushed');
}

function parseGithub(event: string, body: unknown): RegistryEvent {
  if (event !== 'package' && event !== 'registry_package') {
    return { kind: 'ignored', source: 'github', reason: `GitHub event "${event}"` };
  }
  const parsed =
    event === 'package'
      ? githubPackageEventSchema.safeParse(body)
      : githubRegistryPackageEventSchema.safeParse(body);
  if (!parsed.success) return invalid('github', parsed.error);
  const pkg = 'package' in parsed.data ? parsed.data.package : parsed.data.registry_package;
  if (parsed.data.action !== 'published' && parsed.data.action !== 'updated') {
    return { kind: 'ignored', source: 'github', reason: `action "${parsed.data.action}"` };
  }
  if (!['container', 'docker'].includes(pkg.package_type.toLowerCase())) {
    return { kind: 'ignored', source: 'github', reason: `package type ${pkg.package_type}` };
  }
  const fromUrl = splitTag(pkg.package_version?.package_url ?? '');
  const owner = pkg.namespace ?? pkg.owner?.login ?? '';
  const name = fromUrl.name || `ghcr.io/${owner}/${pkg.name}`;
  const tag = pkg.package_version?.container_metadata?.tag?.name || fromUrl.tag;
  const image = tag ? pushedImage(name.toLowerCase(), tag) : undefined;
  return pushOrIgnored('github', image ? [image] : [], 'an untagged package version');
}

function parseHarbor(body: unknown): RegistryEvent {
  const parsed = harborSchema.safeParse(body);
  if (!parsed.success) return invalid('harbor', parsed.error);
  const { type, event_data: data } = parsed.data;
  if (type !== 'PUSH_ARTIFACT' && type !== 'pushImage') {
    return { kind: 'ignored', source: 'harbor', reason: `event type ${type}` };
  }
  const images: PushedImage[] = [];
  for (const resource of data.resources) {
    if (!resource.tag) continue;
    // resource_url (`harbor.example.com/project/app:tag`) is the only place Harbor names its host.
    const fromUrl = splitTag(resource.resource_url ?? '');
    const image = fromUrl.name
      ? pushedImage(fromUrl.name.toLowerCase(), resource.tag)
      : repositoryOnly(data.repository.repo_full_name, resource.tag);
    if (image) images.push(image);
  }
  return pushOrIgnored('harbor', images, 'no tag was pushed');
}

function pushedImage(name: string, tag: string): PushedImage | undefined {
  try {
    const ref = parseReference(`${name}:${tag}`);
    return { registry: ref.registry, repository: ref.repository, tag };
  } catch {
    return undefined;
  }
}

function repositoryOnly(repository: string, tag: string): PushedImage | undefined {
  const image = pushedImage(`registry.invalid/${repository.toLowerCase()}`, tag);
  return image && { ...image, registry: undefined };
}

/** Splits `host/repo:tag@digest` into the name and the tag (either may be empty). */
function splitTag(reference: string): { name: string; tag: string } {
  const withoutDigest = reference.split('@')[0] ?? '';
  const colon = withoutDigest.lastIndexOf(':');
  if (colon === -1 || colon < withoutDigest.lastIndexOf('/')) return { name: withoutDigest, tag: '' };
  return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
}

function pushOrIgnored(source: RegistrySource, images: PushedImage[], reason: string): RegistryEvent {
  if (images.length === 0) return { kind: 'ignored', source, reason };
  const unique = new Map(
    images.map((image) => [`${image.registry}/${image.repository}:${image.tag}`, image]),
  );
  return { kind: 'push', source, images: [...unique.values()] };
}

function invalid(source: RegistrySource, error: z.ZodError): RegistryEvent {
  const issue = error.issues[0];
  const where = issue?.path.join('.') || '(body)';
  return { kind: 'invalid', source, message: `not a ${source} notification: ${where}: ${issue?.message}` };
}

function hasKey(body: unknown, key: string): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && key in body;
}
