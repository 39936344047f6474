/**
 * The tag-choice engine, pure (no I/O, no clock). Typical use:
 *   const policy = policyFromAnnotations({ filter: 'semver:^1' });   // or policyFromSpec(spec)
 *   const candidates = filterTags(tags, policy.value);
 *   // newest-build only: fetch build times for candidates (and the current tag)
 *   const result = chooseLatestTag({ policy: policy.value, candidates, current, created });
 */

export { buildTimePriority } from './build-time-priority.ts';
export type { Candidate, RejectReason, TagRejection } from './candidates.ts';
export { classifyTag, describeRejection, filterTags, rejectionOf } from './candidates.ts';
export type { ChooseInput, ChooseReason, ChooseResult } from './choose.ts';
export { chooseLatestTag } from './choose.ts';
export type { TagFilter } from './filter.ts';
export { formatTagFilter, parseTagFilter } from './filter.ts';
export type {
  CreatedLookup,
  OrderedTag,
  OrderKind,
  ResolvedOrdering,
  SortDirection,
  TagOrdering,
} from './ordering.ts';
export { formatOrdering, parseSortOrder } from './ordering.ts';
export type { AnnotationPolicy, PolicyDefinition, PolicyInput, TagExtract, TagPolicy } from './policy.ts';
export { compilePolicy, needsBuildTime, policyFromAnnotations } from './policy.ts';
export type { ExplainInput, RankInput, TagVerdict, VerdictReason } from './rank.ts';
export { explainTag, listCandidates } from './rank.ts';
export type { ReferrerTags } from './referrer-tags.ts';
export { parseReferrerTags, REFERRER_TAG_GLOBS, referrerTagGlob } from './referrer-tags.ts';
export type { PolicyError, PolicyErrorCode, Result } from './result.ts';
export type { ImagePolicyChoice, ImagePolicyRules, SpecOrder } from './spec.ts';
export { policyFromSpec } from './spec.ts';
