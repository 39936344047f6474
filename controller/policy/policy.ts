/**
 * A tag policy: the filter, the ordering, the ImagePolicy extras (`filterTags`, `exclude`), and
 * the matchers compiled from them once, so that classifying 100,000 tags compiles nothing.
 */
import { compileExtract, type ExtractTemplate } from './extract.ts';
import { parseTagFilter, type TagFilter } from './filter.ts';
import { compileGlob, type GlobMatcher } from './glob.ts';
import { parseSortOrder, type TagOrdering } from './ordering.ts';
import { parseReferrerTags, type ReferrerTags } from './referrer-tags.ts';
import { compileRegex, regexGroups, type TagRegex } from './regex.ts';
import { atField, invalid, ok, type Result } from './result.ts';
import { compileRange, type SemverRange } from './semver-key.ts';

/** ImagePolicy `filterTags`: a regex every tag must match, and what of it to order by. */
export interface TagExtract {
  /** Unanchored regex; tags it does not match are dropped. */
  readonly pattern: string;
  /** Go-style template (`$name`, `${1}`); empty keeps the whole tag. Default: ''. */
  readonly extract: string;
}

/** Everything that defines a policy, as plain data (what `check-policy` prints). */
export interface PolicyDefinition {
  readonly filter: TagFilter;
  readonly ordering: TagOrdering;
  /** Pre-filter and value extraction; undefined when not set. */
  readonly filterTags: TagExtract | undefined;
  /** Globs on the whole tag; a matching tag is never a candidate. Default: none. */
  readonly exclude: readonly string[];
  /** Signature, attestation and SBOM tags (`*.sig`, `*.att`, `*.sbom`, `sha256-*`): `Exclude` (default) or `Include`. */
  readonly referrerTags: ReferrerTags;
}

/** Input of `compilePolicy`: a definition whose ordering defaults from the filter. */
export interface PolicyInput {
  readonly filter: TagFilter;
  /** Default: semver for semver filters, the version group for regexes with one, else newest-build. */
  readonly ordering?: TagOrdering | undefined;
  readonly filterTags?: TagExtract | undefined;
  readonly exclude?: readonly string[] | undefined;
  /** Default `Exclude`: signature, attestation and SBOM tags are never candidates. */
  readonly referrerTags?: ReferrerTags | undefined;
  /** Prefix for error fields, e.g. `spec.`; default ''. */
  readonly fieldPrefix?: string | undefined;
}

/** A validated, compiled policy. Build it with `compilePolicy`, `policyFromAnnotations` or `policyFromSpec`. */
export interface TagPolicy {
  readonly definition: PolicyDefinition;
  /** `latest` is a candidate only for the glob pattern `latest` itself. */
  readonly allowLatest: boolean;
  readonly exclude: readonly GlobMatcher[];
  readonly filterTags: TagRegex | undefined;
  readonly extract: ExtractTemplate | undefined;
  readonly glob: GlobMatcher | undefined;
  readonly regex: TagRegex | undefined;
  /** The regex filter has a `(?<version>…)` group: order by its capture. */
  readonly versionGroup: boolean;
  readonly range: SemverRange | undefined;
}

interface FilterParts {
  readonly glob: GlobMatcher | undefined;
  readonly regex: TagRegex | undefined;
  readonly versionGroup: boolean;
  readonly range: SemverRange | undefined;
}

const NO_FILTER: FilterParts = { glob: undefined, regex: undefined, versionGroup: false, range: undefined };

function compileFilter(filter: TagFilter): Result<FilterParts> {
  switch (filter.kind) {
    case 'any':
      return ok(NO_FILTER);
    case 'glob': {
      const glob = compileGlob(filter.pattern);
      return glob.ok ? ok({ ...NO_FILTER, glob: glob.value }) : glob;
    }
    case 'semver': {
      const range = compileRange(filter.range, filter.includePrerelease);
      return range.ok ? ok({ ...NO_FILTER, range: range.value }) : range;
    }
    case 'regex': {
      const regex = compileRegex(filter.pattern);
      if (!regex.ok) return regex;
      return ok({
        ...NO_FILTER,
        regex: regex.value,
        versionGroup: regexGroups(regex.value).names.has('version'),
      });
    }
  }
}

function defaultOrdering(filter: TagFilter, versionGroup: boolean): TagOrdering {
  if (filter.kind === 'semver') return { kind: 'semver', direction: 'asc' };
  if (versionGroup) return { kind: 'version', direction: 'asc' };
  return { kind: 'newest-build', direction: 'asc' };
}

interface ExtractParts {
  readonly filterTags: TagRegex | undefined;
  readonly extract: ExtractTemplate | undefined;
}

function compileFilterTags(spec: TagExtract | undefined, prefix: string): Result<ExtractParts> {
  if (spec === undefined) return ok({ filterTags: undefined, extract: undefined });
  const regex = atField(compileRegex(spec.pattern), `${prefix}filterTags.pattern`);
  if (!regex.ok) return regex;
  if (spec.extract === '') return ok({ filterTags: regex.value, extract: undefined });
  const extract = atField(
    compileExtract(spec.extract, regexGroups(regex.value)),
    `${prefix}filterTags.extract`,
  );
  return extract.ok ? ok({ filterTags: regex.value, extract: extract.value }) : extract;
}

function compileExcludes(patterns: readonly string[], prefix: string): Result<GlobMatcher[]> {
  const matchers: GlobMatcher[] = [];
  for (const [i, pattern] of patterns.entries()) {
    const glob = atField(compileGlob(pattern), `${prefix}exclude[${i}]`);
    if (!glob.ok) return glob;
    matchers.push(glob.value);
  }
  return ok(matchers);
}

/** Validates and compiles a policy; every invalid part is an `InvalidPolicy` error value. */
export function compilePolicy(input: PolicyInput): Result<TagPolicy> {
  const prefix = input.fieldPrefix ?? '';
  const parts = compileFilter(input.filter);
  if (!parts.ok) return parts;
  const extract = compileFilterTags(input.filterTags, prefix);
  if (!extract.ok) return extract;
  const exclude = compileExcludes(input.exclude ?? [], prefix);
  if (!exclude.ok) return exclude;
  const definition: PolicyDefinition = {
    filter: input.filter,
    ordering: input.ordering ?? defaultOrdering(input.filter, parts.value.versionGroup),
    filterTags: input.filterTags,
    exclude: input.exclude ?? [],
    referrerTags: input.referrerTags ?? 'Exclude',
  };
  const allowLatest = input.filter.kind === 'glob' && input.filter.pattern === 'latest';
  return ok({ definition, allowLatest, exclude: exclude.value, ...extract.value, ...parts.value });
}

/** Workload annotation values for one container. */
export interface AnnotationPolicy {
  /** The `tag.<container>` value; default `glob:*` (any tag, as Flux v1 does for automated workloads). */
  readonly filter?: string | undefined;
  /** The `sort.<container>` value; default: the filter's ordering. */
  readonly sort?: string | undefined;
  /** The `referrer-tags.<container>` value, `exclude` or `include`; default `exclude`. */
  readonly referrerTags?: string | undefined;
}

/** Builds a policy from a container's `tag.`, `sort.` and `referrer-tags.` annotation values. */
export function policyFromAnnotations(annotations: AnnotationPolicy): Result<TagPolicy> {
  const filter = parseTagFilter(annotations.filter ?? 'glob:*');
  if (!filter.ok) return filter;
  let referrerTags: ReferrerTags | undefined;
  if (annotations.referrerTags !== undefined) {
    referrerTags = parseReferrerTags(annotations.referrerTags);
    const field = 'referrer-tags';
    if (referrerTags === undefined)
      return invalid(
        `${field}: must be exclude or include, got ${JSON.stringify(annotations.referrerTags)}`,
        field,
      );
  }
  if (annotations.sort === undefined) return compilePolicy({ filter: filter.value, referrerTags });
  const ordering = parseSortOrder(annotations.sort);
  if (!ordering.ok) return ordering;
  return compilePolicy({ filter: filter.value, ordering: ordering.value, referrerTags });
}

/** Whether choosing under this policy needs image build times (newest-build ordering). */
export function needsBuildTime(policy: TagPolicy): boolean {
  return policy.definition.ordering.kind === 'newest-build';
}
