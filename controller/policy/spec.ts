/**
 * The rule part of an ImagePolicy spec (DESIGN §3.3): `policy` (exactly one kind), `filterTags`
 * and `exclude`. Specs come from the API server, so every field is checked here rather than
 * trusted; errors name the field (`spec.policy.regex.pattern: invalid regex …`).
 */
import { globFilter, regexFilter, semverFilter, type TagFilter } from './filter.ts';
import { type OrderKind, parseDirection, type TagOrdering } from './ordering.ts';
import { compilePolicy, type TagExtract, type TagPolicy } from './policy.ts';
import type { ReferrerTags } from './referrer-tags.ts';
import { atField, invalid, ok, type Result } from './result.ts';

/** The `order` field of the alphabetical and numerical policies; default `asc` (greatest wins). */
export type SpecOrder = 'asc' | 'desc';

/**
 * `spec.policy`: exactly one member must be set. Fields are optional in the type so that CR
 * typings assign to it; `policyFromSpec` checks them at run time.
 */
export interface ImagePolicyChoice {
  readonly semver?: { readonly range?: string; readonly includePrerelease?: boolean } | undefined;
  readonly glob?: { readonly pattern?: string } | undefined;
  readonly regex?: { readonly pattern?: string } | undefined;
  readonly alphabetical?: { readonly order?: SpecOrder } | undefined;
  readonly numerical?: { readonly order?: SpecOrder } | undefined;
  readonly newestBuild?: Readonly<Record<string, never>> | undefined;
}

/** The fields of an ImagePolicy spec that decide which tag wins. */
export interface ImagePolicyRules {
  /** Required: which tags are eligible and how they are ordered. */
  readonly policy?: ImagePolicyChoice | undefined;
  /** Regex pre-filter and value extraction; default: none. */
  readonly filterTags?: { readonly pattern?: string; readonly extract?: string } | undefined;
  /** Globs on the whole tag that are never candidates; default: none. */
  readonly exclude?: readonly string[] | undefined;
  /** Signature, attestation and SBOM tags (`*.sig`, `*.att`, `*.sbom`, `sha256-*`); default `Exclude`. */
  readonly referrerTags?: ReferrerTags | undefined;
}

const KINDS = ['semver', 'glob', 'regex', 'alphabetical', 'numerical', 'newestBuild'] as const;
type Kind = (typeof KINDS)[number];

type Fields = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(body: Fields, key: string, field: string): Result<string> {
  const value = body[key];
  if (typeof value === 'string') return ok(value);
  return invalid(`${field}: ${value === undefined ? 'required' : 'must be a string'}`, field);
}

function orderField(body: Fields, field: string): Result<TagOrdering['direction']> {
  const value = body.order ?? 'asc';
  const direction = typeof value === 'string' ? parseDirection(value) : undefined;
  if (direction !== undefined) return ok(direction);
  return invalid(`${field}: must be asc or desc, got ${JSON.stringify(value)}`, field);
}

interface Choice {
  readonly filter: TagFilter;
  readonly ordering: TagOrdering | undefined;
}

const ANY: TagFilter = { kind: 'any' };

function orderingOnly(kind: OrderKind, body: Fields, field: string): Result<Choice> {
  const direction = orderField(body, `${field}.order`);
  return direction.ok ? ok({ filter: ANY, ordering: { kind, direction: direction.value } }) : direction;
}

function withFilter(filter: Result<TagFilter>, field: string): Result<Choice> {
  const checked = atField(filter, field);
  return checked.ok ? ok({ filter: checked.value, ordering: undefined }) : checked;
}

function choiceOf(kind: Kind, body: Fields): Result<Choice> {
  const field = `spec.policy.${kind}`;
  switch (kind) {
    case 'semver': {
      const range = stringField(body, 'range', `${field}.range`);
      if (!range.ok) return range;
      const pre = body.includePrerelease ?? false;
      const preField = `${field}.includePrerelease`;
      if (typeof pre !== 'boolean') return invalid(`${preField}: must be true or false`, preField);
      return withFilter(semverFilter(range.value, pre), `${field}.range`);
    }
    case 'glob':
    case 'regex': {
      const pattern = stringField(body, 'pattern', `${field}.pattern`);
      if (!pattern.ok) return pattern;
      const filter = kind === 'glob' ? globFilter(pattern.value) : regexFilter(pattern.value);
      return withFilter(filter, `${field}.pattern`);
    }
    case 'alphabetical':
      return orderingOnly('alphabetical', body, field);
    case 'numerical':
      return orderingOnly('numerical', body, field);
    case 'newestBuild':
      return ok({ filter: ANY, ordering: { kind: 'newest-build', direction: 'asc' } });
  }
}

function parseChoice(policy: unknown): Result<Choice> {
  const field = 'spec.policy';
  if (!isRecord(policy)) return invalid(`${field}: required, set exactly one of ${KINDS.join(', ')}`, field);
  const set = KINDS.filter((kind) => policy[kind] !== undefined && policy[kind] !== null);
  const [kind, ...others] = set;
  if (kind === undefined || others.length > 0) {
    const found = set.length === 0 ? 'none' : set.join(', ');
    return invalid(`${field}: set exactly one of ${KINDS.join(', ')} (found: ${found})`, field);
  }
  const body = policy[kind];
  if (!isRecord(body)) return invalid(`${field}.${kind}: must be an object`, `${field}.${kind}`);
  return choiceOf(kind, body);
}

function parseFilterTags(value: unknown): Result<TagExtract | undefined> {
  const field = 'spec.filterTags';
  if (value === undefined || value === null) return ok(undefined);
  if (!isRecord(value)) return invalid(`${field}: must be an object`, field);
  const extract = value.extract ?? '';
  if (typeof extract !== 'string') return invalid(`${field}.extract: must be a string`, `${field}.extract`);
  if (value.pattern === undefined && extract === '') return ok(undefined);
  const pattern = stringField(value, 'pattern', `${field}.pattern`);
  return pattern.ok ? ok({ pattern: pattern.value, extract }) : pattern;
}

function parseExclude(value: unknown): Result<readonly string[]> {
  const field = 'spec.exclude';
  if (value === undefined || value === null) return ok([]);
  if (!Array.isArray(value)) return invalid(`${field}: must be a list of glob patterns`, field);
  const patterns: string[] = [];
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string') return invalid(`${field}[${i}]: must be a string`, `${field}[${i}]`);
    patterns.push(item);
  }
  return ok(patterns);
}

function parseReferrerTagsField(value: unknown): Result<ReferrerTags> {
  const field = 'spec.referrerTags';
  if (value === undefined || value === null) return ok('Exclude');
  if (value === 'Exclude' || value === 'Include') return ok(value);
  return invalid(`${field}: must be Exclude or Include, got ${JSON.stringify(value)}`, field);
}

/** Validates an ImagePolicy spec's rules and compiles them; anything wrong is an `InvalidPolicy` value. */
export function policyFromSpec(spec: ImagePolicyRules): Result<TagPolicy> {
  const fields: unknown = spec;
  if (!isRecord(fields)) return invalid('spec: must be an object', 'spec');
  const choice = parseChoice(fields.policy);
  if (!choice.ok) return choice;
  const filterTags = parseFilterTags(fields.filterTags);
  if (!filterTags.ok) return filterTags;
  const exclude = parseExclude(fields.exclude);
  if (!exclude.ok) return exclude;
  const referrerTags = parseReferrerTagsField(fields.referrerTags);
  if (!referrerTags.ok) return referrerTags;
  return compilePolicy({
    referrerTags: referrerTags.value,
    filter: choice.value.filter,
    ordering: choice.value.ordering,
    filterTags: filterTags.value,
    exclude: exclude.value,
    fieldPrefix: 'spec.',
  });
}
