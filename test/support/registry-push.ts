// Fills the test registry over the distribution HTTP API, the way `docker push` would: blobs,
// an image config with a chosen `created` time and platform, a Docker v2 or OCI manifest, and OCI
// indexes for multi-arch images. Handles Basic and Bearer-token auth by itself so that the test
// support does not depend on the registry client under test.
import { createHash, randomBytes } from 'node:crypto';
import { type Dispatcher, fetch as undiciFetch } from 'undici';

/** One image to push. */
export interface TestImage {
  /** `created` of the image config (default: now). */
  created?: Date | string;
  /** Default linux/amd64. */
  os?: string;
  architecture?: string;
  variant?: string;
  /** Manifest media type family (default 'docker'). */
  format?: 'docker' | 'oci';
  /** Extra labels in the config, to make digests differ on purpose. */
  labels?: Record<string, string>;
}

/** The digests of a pushed image. */
export interface PushedImage {
  digest: string;
  configDigest: string;
  mediaType: string;
  size: number;
}

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const ACCEPT = [
  DOCKER_MANIFEST,
  OCI_MANIFEST,
  OCI_INDEX,
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Pushes test content to one registry. */
export class RegistryPusher {
  readonly #url: string;
  readonly #basic: string | undefined;
  readonly #tokens = new Map<string, string>();
  readonly #layer = randomBytes(64);
  readonly #fetch: typeof fetch;

  /** `dispatcher`: for a registry behind TLS (the test CA, a client certificate); default the global fetch's. */
  constructor(url: string, credentials?: { username: string; password: string }, dispatcher?: Dispatcher) {
    this.#url = url;
    this.#fetch = dispatcher
      ? (((input: string | URL, init?: RequestInit) =>
          undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch)
      : fetch;
    this.#basic = credentials
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
      : undefined;
  }

  /** Pushes one single-platform image and tags it with every tag in `tags`. */
  async pushImage(repository: string, tags: string | string[], image: TestImage = {}): Promise<PushedImage> {
    const format = image.format ?? 'docker';
    const layerDigest = await this.#pushBlob(repository, this.#layer);
    const config = Buffer.from(
      JSON.stringify({
        created: new Date(image.created ?? Date.now()).toISOString(),
        architecture: image.architecture ?? 'amd64',
        os: image.os ?? 'linux',
        ...(image.variant ? { variant: image.variant } : {}),
        config: { Labels: image.labels ?? { 'tagpilot.test/tag': [tags].flat()[0] ?? '' } },
        rootfs: { type: 'layers', diff_ids: [sha256(this.#layer)] },
      }),
    );
    const configDigest = await this.#pushBlob(repository, config);
    const mediaType = format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType,
        config: {
          mediaType: format === 'oci' ? OCI_CONFIG : DOCKER_CONFIG,
          size: config.length,
          digest: configDigest,
        },
        layers: [
          {
            mediaType: format === 'oci' ? OCI_LAYER : DOCKER_LAYER,
            size: this.#layer.length,
            digest: layerDigest,
          },
        ],
      }),
    );
    const refs = [tags].flat();
    for (const tag of refs.length > 0 ? refs : [sha256(manifest)]) {
      await this.#putManifest(repository, tag, manifest, mediaType);
    }
    return { digest: sha256(manifest), configDigest, mediaType, size: manifest.length };
  }

  /** Pushes a multi-arch OCI index whose platform images each have their own `created`. */
  async pushIndex(repository: string, tags: string | string[], platforms: TestImage[]): Promise<PushedImage> {
    const children: { image: TestImage; pushed: PushedImage }[] = [];
    for (const image of platforms) {
      children.push({ image, pushed: await this.pushImage(repository, [], { format: 'oci', ...image }) });
    }
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: children.map(({ image, pushed }) => ({
          mediaType: pushed.mediaType,
          size: pushed.size,
          digest: pushed.digest,
          platform: {
            architecture: image.architecture ?? 'amd64',
            os: image.os ?? 'linux',
            ...(image.variant ? { variant: image.variant } : {}),
          },
        })),
      }),
    );
    for (const tag of [tags].flat()) await this.#putManifest(repository, tag, index, OCI_INDEX);
    return { digest: sha256(index), configDigest: '', mediaType: OCI_INDEX, size: index.length };
  }

  /**
   * Tags one small image with many tags (for pagination tests): the blobs and manifest are
   * uploaded once, then `tags.length` manifest PUTs run with bounded concurrency.
   */
  async pushManyTags(repository: string, tags: string[], concurrency = 16): Promise<void> {
    await this.pushImageTags(repository, tags, { labels: { many: 'true' } }, concurrency);
  }

  /** Pushes one image (blobs and manifest once) and gives it every tag in `tags`, `concurrency` PUTs at a time. */
  async pushImageTags(
    repository: string,
    tags: string[],
    image: TestImage = {},
    concurrency = 16,
  ): Promise<PushedImage | undefined> {
    const [first, ...rest] = tags;
    if (first === undefined) return undefined;
    const pushed = await this.pushImage(repository, first, image);
    const manifest = await this.#getManifest(repository, pushed.digest);
    let next = 0;
    const worker = async () => {
      while (next < rest.length) {
        const tag = rest[next++];
        if (tag !== undefined) await this.#putManifest(repository, tag, manifest, pushed.mediaType);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return pushed;
  }

  /** Deletes the manifest a tag points to (and so every tag pointing to it). */
  async deleteTag(repository: string, tag: string): Promise<void> {
    const head = await this.#request('HEAD', repository, `/v2/${repository}/manifests/${tag}`, {
      headers: { accept: ACCEPT.join(', ') },
    });
    const digest = head.headers.get('docker-content-digest');
    if (!head.ok || !digest) throw new Error(`cannot resolve ${repository}:${tag}: HTTP ${head.status}`);
    const response = await this.#request('DELETE', repository, `/v2/${repository}/manifests/${digest}`);
    if (response.status !== 202) throw new Error(`delete ${repository}@${digest}: HTTP ${response.status}`);
  }

  async #pushBlob(repository: string, data: Buffer): Promise<string> {
    const digest = sha256(data);
    const head = await this.#request('HEAD', repository, `/v2/${repository}/blobs/${digest}`);
    if (head.ok) return digest;
    const start = await this.#request('POST', repository, `/v2/${repository}/blobs/uploads/`);
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw new Error(`blob upload start: HTTP ${start.status}`);
    const target = new URL(location, this.#url);
    target.searchParams.set('digest', digest);
    const put = await this.#request('PUT', repository, target.pathname + target.search, {
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (put.status !== 201) throw new Error(`blob upload ${digest}: HTTP ${put.status} ${await put.text()}`);
    return digest;
  }

  async #putManifest(repository: string, reference: string, body: Buffer, mediaType: string): Promise<void> {
    const response = await this.#request('PUT', repository, `/v2/${repository}/manifests/${reference}`, {
      body,
      headers: { 'content-type': mediaType },
    });
    if (response.status !== 201) {
      throw new Error(
        `put manifest ${repository}:${reference}: HTTP ${response.status} ${await response.text()}`,
      );
    }
  }

  async #getManifest(repository: string, reference: string): Promise<Buffer> {
    const response = await this.#request('GET', repository, `/v2/${repository}/manifests/${reference}`, {
      headers: { accept: ACCEPT.join(', ') },
    });
    if (!response.ok) throw new Error(`get manifest ${repository}:${reference}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** One request, retried once with credentials when the registry challenges. */
  async #request(
    method: string,
    repository: string,
    path: string,
    init: { body?: Buffer; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const send = (authorization: string | undefined) =>
      this.#fetch(new URL(path, this.#url), {
        method,
        body: init.body,
        headers: { ...init.headers, ...(authorization ? { authorization } : {}) },
      });
    const scope = `repository:${repository}:pull,push,delete`;
    let response = await send(this.#tokens.get(scope) ?? this.#basic);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    const challenge = response.headers.get('www-authenticate') ?? '';
    if (challenge.toLowerCase().startsWith('bearer')) {
      this.#tokens.set(scope, `Bearer ${await this.#token(challenge, scope)}`);
    }
    response = await send(this.#tokens.get(scope) ?? this.#basic);
    return response;
  }

  async #token(challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const realm = new URL(params.realm ?? '');
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', scope);
    const response = await this.#fetch(realm, { headers: this.#basic ? { authorization: this.#basic } : {} });
    if (!response.ok) throw new Error(`token request: HTTP ${response.status}`);
    const body = (await response.json()) as { token?: string };
    if (!body.token) throw new Error('token response without token');
    return body.token;
  }
}
