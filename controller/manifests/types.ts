import type { Document, LineCounter } from 'yaml';

/** One manifest file as read from Git: its repository-relative path and its whole text. */
export interface ManifestFile {
  path: string;
  content: string;
}

/** Something in the input that could not be read or used; never fatal for the other files. */
export interface Problem {
  path: string;
  /** 1-based line of the offending text. */
  line: number;
  message: string;
}

/** Offsets into `ManifestFile.content` (JS string indices, end exclusive; a BOM counts as one). */
export interface SourceRange {
  start: number;
  end: number;
}

/** One YAML document that parsed without errors. */
export interface ParsedDocument {
  /** 0-based position of the document in its file (counting documents that failed to parse). */
  index: number;
  doc: Document.Parsed;
}

/** One file that was read: the documents that parsed, and a line counter for its offsets. */
export interface ParsedFile {
  path: string;
  content: string;
  documents: ParsedDocument[];
  /** Source ranges of the documents that failed to parse (reported as problems). */
  skipped: SourceRange[];
  lineCounter: LineCounter;
}

/** Every file that was read, plus what could not be read. */
export interface ManifestSet {
  files: ParsedFile[];
  problems: Problem[];
}

/** A Kubernetes object rendered to plain JS from one document that has `apiVersion` and `kind`. */
export interface KubeObject {
  path: string;
  /** 0-based document index in the file. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** Identifies one workload within a file; `namespace` is undefined when the manifest has none. */
export interface WorkloadRef {
  kind: string;
  namespace: string | undefined;
  name: string;
}

/** `tagpilot.io/ignore`: `true` = never applied, `sync_only` = applied but never pruned. */
export type IgnoreMode = 'true' | 'sync_only';

/** How a scalar is written in the source. */
export type ScalarStyle = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

/** Where an editable scalar sits and how it is written. */
export interface ScalarSite {
  range: SourceRange;
  /** 1-based line of the scalar's first character. */
  line: number;
  style: ScalarStyle;
  /** Inside a flow collection (`[...]`, `{...}`), where plain scalars may not contain `,[]{}`. */
  inFlow: boolean;
  /**
   * Reached through an alias or a merge key: the text belongs to an anchor that other places share,
   * so editing it would change them too. Edits refuse such scalars (see `applyImageUpdates`).
   */
  shared: boolean;
}

/** `<ns>/<name>` of an ImagePolicy named by `tagpilot.io/policy.<container>`. */
export interface PolicyRef {
  /** Undefined when the annotation names no namespace and the workload has none. */
  namespace: string | undefined;
  name: string;
}

/** One container (or init container) of a workload, with its image and automation settings. */
export interface Container {
  name: string;
  /** True for `initContainers`. */
  init: boolean;
  /** The image reference exactly as written (its string value). */
  image: string;
  site: ScalarSite;
  /** Raw filter from `tag.<name>` / `filter.fluxcd.io/<name>`, e.g. `glob:develop-v*`; parsed by policy/. */
  filter?: string;
  /** Raw `sort.<name>` value, e.g. `semver:asc`. */
  sort?: string;
  /** Raw `referrer-tags.<name>` value (`include` considers signature, attestation and SBOM tags); default exclude. */
  referrerTags?: string;
  /** From `policy.<name>`. */
  policyRef?: PolicyRef;
  /** `digest.<name>: "true"`: write `repo:tag@sha256:…`. Default false. */
  digest: boolean;
}

/** A workload found in a manifest, with its automation settings (prefix precedence applied). */
export interface Workload extends WorkloadRef {
  /** As written, e.g. `apps/v1`. */
  apiVersion: string;
  path: string;
  /** 0-based document index in the file. */
  index: number;
  /** 0-based position in the `items` of a `kind: List` document; absent for a top-level object. */
  item?: number;
  /** `automated: "true"`. Default false. */
  automated: boolean;
  /** `locked: "true"`. Default false. */
  locked: boolean;
  /** `locked_msg`, when present. */
  lockedMessage?: string;
  /** `ignore`, when it is `true` or `sync_only`. */
  ignore?: IgnoreMode;
  /** Every annotation of the workload as strings (all prefixes, unmodified). */
  annotations: Record<string, string>;
  containers: Container[];
  /** Where its pod spec says registry credentials come from (what the kubelet would use). */
  pullSecrets: PullSecretRefs;
}

/**
 * The registry credentials a pod spec names: its `imagePullSecrets`, and the ServiceAccount whose
 * imagePullSecrets it gets — the one it names (`serviceAccountName`, or the deprecated
 * `serviceAccount`), else Kubernetes' implicit `default`.
 */
export interface PullSecretRefs {
  /** Names in `imagePullSecrets`, in order. */
  secretNames: string[];
  /** The ServiceAccount named explicitly (its absence is a problem). */
  serviceAccountName?: string;
  /** The implicit `default` ServiceAccount, when none is named (its absence is not a problem). */
  implicitServiceAccountName?: string;
}

/** Which part of an image a setter marker writes: `image` = `repo:tag[@digest]`. */
export type MarkerField = 'image' | 'tag' | 'name' | 'digest';

/** A Flux v2 setter marker: `# {"$imagepolicy": "<ns>:<name>[:tag|:name|:digest]"}` on a scalar's line. */
export interface Marker {
  path: string;
  /** 0-based document index in the file. */
  index: number;
  policy: { namespace: string; name: string };
  field: MarkerField;
  /** The scalar's current string value. */
  value: string;
  site: ScalarSite;
}

/** The image an update writes. `repo` has no tag; `digest` is `sha256:…` when pinning. */
export interface NewImage {
  repo: string;
  tag: string;
  digest?: string;
}

/** Names one container of one workload in one file. */
export interface ContainerTarget {
  type: 'container';
  path: string;
  workload: WorkloadRef;
  container: string;
}

/** Names every marker of one ImagePolicy, in every file. */
export interface MarkerTarget {
  type: 'marker';
  policy: { namespace: string; name: string };
}

/** One requested image change. */
export interface ImageUpdate {
  target: ContainerTarget | MarkerTarget;
  image: NewImage;
}

/** One scalar that was rewritten. For markers, old/new are the values of the marker's field. */
export interface AppliedChange {
  path: string;
  /** 1-based line of the rewritten scalar. */
  line: number;
  workload?: WorkloadRef;
  container?: string;
  marker?: { namespace: string; name: string; field: MarkerField };
  oldImage: string;
  newImage: string;
  update: ImageUpdate;
}

/** Why an update (or one of its targets) was not written. */
export type UnappliedCode = 'NO_TARGET' | 'SHARED_SCALAR' | 'UNSUPPORTED_STYLE' | 'CONFLICT' | 'NO_DIGEST';

/** An update, or one target site of it, that was not written. */
export interface UnappliedUpdate {
  update: ImageUpdate;
  code: UnappliedCode;
  reason: string;
  /** Set when the update found a target in this file but could not write it. */
  path?: string;
  /** 1-based line of that target's scalar (set with `path`). */
  line?: number;
}

/** The outcome of `applyImageUpdates`. */
export interface ApplyResult {
  /** Only the files whose content changed, with their new content. */
  files: ManifestFile[];
  changes: AppliedChange[];
  unapplied: UnappliedUpdate[];
  /** Parse problems and bad markers in the files that had to be read. */
  problems: Problem[];
}
