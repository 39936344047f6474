/**
 * Manifests as the client needs them: which kind a body is (single image vs index/list), the
 * config digest of an image, and the entry of an index for one platform.
 */
import { RegistryError } from './errors.ts';
import { type BodyContext, decodeJson, imageIndexSchema, imageManifestSchema, validate } from './schemas.ts';

/** Docker v2 image manifest. */
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
/** Docker manifest list (multi-arch). */
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** OCI image manifest. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** OCI image index (multi-arch). */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** The Accept header for manifest requests: every single-image and multi-arch type this client reads. */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);
const IMAGE_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);

/** An OS/architecture[/variant] platform, e.g. `linux/arm64/v8`. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant: string | undefined;
}

/** A manifest reduced to what is needed to find `created`. */
export type ParsedManifest =
  | { readonly kind: 'image'; readonly configDigest: string }
  | {
      readonly kind: 'index';
      readonly manifests: readonly { readonly digest: string; readonly platform: Platform | undefined }[];
    };

const ARCH_ALIASES: Readonly<Record<string, string>> = { x86_64: 'amd64', x86: '386', aarch64: 'arm64' };

function normalArch(arch: string): string {
  const lower = arch.toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

/** Parses `os/arch[/variant]` (default caller value `linux/amd64`); throws `INVALID_CONFIG`. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || variant === '') {
    throw new RegistryError(
      'INVALID_CONFIG',
      `invalid platform "${text}": expected os/architecture[/variant]`,
    );
  }
  return { os: os.toLowerCase(), architecture: normalArch(architecture), variant: variant?.toLowerCase() };
}

/** `os/arch[/variant]` */
export function formatPlatform(p: Platform): string {
  return p.variant === undefined ? `${p.os}/${p.architecture}` : `${p.os}/${p.architecture}/${p.variant}`;
}

function matches(entry: Platform, wanted: Platform): boolean {
  if (entry.os.toLowerCase() !== wanted.os || normalArch(entry.architecture) !== wanted.architecture)
    return false;
  if (wanted.variant === undefined) return true;
  // arm64 images often leave out the variant, which is then v8.
  const variant = entry.variant?.toLowerCase() ?? (wanted.architecture === 'arm64' ? 'v8' : undefined);
  return variant === wanted.variant;
}

/** The digest of the index entry for `platform`: the first match; without a variant, any variant matches. */
export function selectPlatform(
  manifest: ParsedManifest & { kind: 'index' },
  platform: Platform,
): string | undefined {
  for (const entry of manifest.manifests) {
    if (entry.platform !== undefined && matches(entry.platform, platform)) return entry.digest;
  }
  return undefined;
}

function mediaTypeOf(contentType: string | undefined, body: unknown): string | undefined {
  const header = contentType?.split(';')[0]?.trim().toLowerCase();
  if (header && (INDEX_TYPES.has(header) || IMAGE_TYPES.has(header))) return header;
  if (
    typeof body === 'object' &&
    body !== null &&
    'mediaType' in body &&
    typeof body.mediaType === 'string'
  ) {
    return body.mediaType;
  }
  if (typeof body === 'object' && body !== null && 'manifests' in body) return OCI_INDEX;
  return header;
}

/** Parses a manifest body (JSON once) by its Content-Type, falling back to its `mediaType` and shape. */
export function parseManifest(
  body: Buffer,
  contentType: string | undefined,
  context: BodyContext,
): ParsedManifest {
  const value = decodeJson(body, context);
  const mediaType = mediaTypeOf(contentType, value);
  if (mediaType !== undefined && INDEX_TYPES.has(mediaType)) {
    const index = validate(imageIndexSchema, value, context);
    return {
      kind: 'index',
      manifests: index.manifests.map((m) => ({
        digest: m.digest,
        platform: m.platform && {
          os: m.platform.os,
          architecture: m.platform.architecture,
          variant: m.platform.variant,
        },
      })),
    };
  }
  if (mediaType === undefined || IMAGE_TYPES.has(mediaType)) {
    return { kind: 'image', configDigest: validate(imageManifestSchema, value, context).config.digest };
  }
  throw new RegistryError('INVALID_RESPONSE', `${context.what}: unsupported manifest type ${mediaType}`, {
    registry: context.registry,
    repository: context.repository,
  });
}
