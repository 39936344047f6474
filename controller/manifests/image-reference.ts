import type { NewImage } from './types.ts';

/** An image reference split into repository name, tag and digest, without normalisation. */
export interface ImageReference {
  /** Everything before the tag: registry host (with port), path. `localhost:5000/app`. */
  name: string;
  tag?: string;
  /** `sha256:…`, without the `@`. */
  digest?: string;
}

/**
 * Splits `host:port/path/name:tag@digest`. A `:` before the last `/` belongs to the registry host,
 * so `localhost:5000/app` has no tag. Nothing is normalised (`nginx` stays `nginx`); registry/ does
 * Docker's normalisation, and the manifests keep whatever spelling they had.
 */
export function splitImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const withoutDigest = at === -1 ? reference : reference.slice(0, at);
  const result: ImageReference = { name: withoutDigest };
  if (at !== -1) result.digest = reference.slice(at + 1);
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > withoutDigest.lastIndexOf('/')) {
    result.name = withoutDigest.slice(0, colon);
    result.tag = withoutDigest.slice(colon + 1);
  }
  return result;
}

/** Writes `repo:tag`, `repo:tag@digest`, or `repo@digest` when the tag is empty. */
export function formatImageReference(image: NewImage): string {
  const tag = image.tag === '' ? '' : `:${image.tag}`;
  const digest = image.digest === undefined || image.digest === '' ? '' : `@${image.digest}`;
  return `${image.repo}${tag}${digest}`;
}
