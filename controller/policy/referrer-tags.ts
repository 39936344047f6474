/**
 * Signature, attestation and SBOM tags: not images anyone runs, yet pushed next to them. cosign
 * stores them as `sha256-<digest>.sig`, `.att` and `.sbom` (sigstore/cosign, "Signature
 * specification" and `cosign attach sbom`), and the OCI distribution spec v1.1 "Referrers tag
 * schema" falls back to the tag `sha256-<hex>` on registries without the referrers API. Every
 * policy excludes them unless it opts out (`referrerTags: Include`).
 */

/** Whether a policy leaves referrer tags out (`Exclude`, the default) or judges them like any tag. */
export type ReferrerTags = 'Exclude' | 'Include';

/** The globs excluded by default, in the words users read in rejection messages. */
export const REFERRER_TAG_GLOBS = ['*.sig', '*.att', '*.sbom', 'sha256-*'] as const;

const SUFFIXES = ['.sig', '.att', '.sbom'] as const;

/** The default-exclusion glob a tag matches (`*.sig`, …, `sha256-*`); undefined for an ordinary tag. */
export function referrerTagGlob(tag: string): string | undefined {
  for (const suffix of SUFFIXES) if (tag.endsWith(suffix) && tag.length > suffix.length) return `*${suffix}`;
  if (tag.startsWith('sha256-')) return 'sha256-*';
  return undefined;
}

/** Parses `Exclude`/`Include` (any case); undefined when it is neither. */
export function parseReferrerTags(value: string): ReferrerTags | undefined {
  const lower = value.trim().toLowerCase();
  if (lower === 'exclude') return 'Exclude';
  if (lower === 'include') return 'Include';
  return undefined;
}
