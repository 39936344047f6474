// The message of an automated commit: what users read in `git log`.
import type { AppliedChange } from '../manifests/index.ts';

/** One rewritten scalar, as commit message templates see it. */
export interface CommitChange {
  /** Repository-relative path of the file. */
  file: string;
  /** `<namespace>:<kind>/<name>` (kind in lower case, namespace empty when the manifest has none); unset for a setter marker. */
  workload?: string;
  /** Container name; unset for a setter marker. */
  container?: string;
  /** `<ns>:<name>` of the ImagePolicy, plus `:tag`/`:name`/`:digest` for a partial marker; unset for a container. */
  policy?: string;
  /** The scalar's value before the change (for a `:tag` marker, only the tag). */
  oldImage: string;
  /** The scalar's value after the change. */
  newImage: string;
  /** The full image that was released, `repo:tag` (no digest). */
  image: string;
}

/** A commit message template: a function of the changes, or a string with `{{placeholders}}`. */
export type MessageTemplate = string | ((changes: readonly CommitChange[]) => string);

/**
 * Placeholders of a string template. A string template is plain substitution (no expressions, no
 * eval), so a template taken from a custom resource cannot run code.
 */
export const MESSAGE_PLACEHOLDERS = {
  /** The default first line: `Auto-release repo:tag` or `Auto-release 3 images`. */
  summary: (changes: readonly CommitChange[]) => summaryLine(changes),
  /** One line per change: `- file: workload container: old -> new`. */
  changes: (changes: readonly CommitChange[]) => changes.map(changeLine).join('\n'),
  /** The distinct released images, comma separated. */
  images: (changes: readonly CommitChange[]) => distinctImages(changes).join(', '),
  /** The number of changes. */
  count: (changes: readonly CommitChange[]) => String(changes.length),
  /** The distinct files changed, comma separated. */
  files: (changes: readonly CommitChange[]) => [...new Set(changes.map((c) => c.file))].join(', '),
} as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** The placeholders of `template` that are not known; an empty list means the template is valid. */
export function unknownPlaceholders(template: string): string[] {
  const unknown = [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1] ?? '')
    .filter((name) => !Object.hasOwn(MESSAGE_PLACEHOLDERS, name));
  return [...new Set(unknown)];
}

/**
 * The commit message for the changes. Default: `Auto-release <image>:<tag>` for one change; for
 * more, a summary line (`Auto-release <image>:<tag>` when all released the same image, otherwise
 * `Auto-release N images`), a blank line, and one line per change. A template that renders to blank
 * text falls back to the default; unknown placeholders are left as written.
 */
export function formatCommitMessage(changes: readonly CommitChange[], template?: MessageTemplate): string {
  const rendered = renderTemplate(changes, template).trim();
  if (rendered !== '') return rendered;
  if (changes.length === 1) return summaryLine(changes);
  return `${summaryLine(changes)}\n\n${MESSAGE_PLACEHOLDERS.changes(changes)}`;
}

function renderTemplate(changes: readonly CommitChange[], template: MessageTemplate | undefined): string {
  if (template === undefined) return '';
  if (typeof template === 'function') return template(changes);
  return template.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(MESSAGE_PLACEHOLDERS, name)
      ? MESSAGE_PLACEHOLDERS[name as keyof typeof MESSAGE_PLACEHOLDERS](changes)
      : whole,
  );
}

function summaryLine(changes: readonly CommitChange[]): string {
  const images = distinctImages(changes);
  if (images.length === 1) return `Auto-release ${images[0]}`;
  return `Auto-release ${images.length} images`;
}

function distinctImages(changes: readonly CommitChange[]): string[] {
  return [...new Set(changes.map((change) => change.image))];
}

function changeLine(change: CommitChange): string {
  const subject =
    change.policy === undefined
      ? `${change.workload ?? ''} ${change.container ?? ''}`
      : `$imagepolicy ${change.policy}`;
  return `- ${change.file}: ${subject}: ${change.oldImage} -> ${change.newImage}`;
}

/** The template view of the changes `applyImageUpdates` made. */
export function toCommitChanges(applied: readonly AppliedChange[]): CommitChange[] {
  return applied.map((change) => {
    const { repo, tag } = change.update.image;
    const base = {
      file: change.path,
      oldImage: change.oldImage,
      newImage: change.newImage,
      image: tag === '' ? repo : `${repo}:${tag}`,
    };
    if (change.marker !== undefined) {
      const { namespace, name, field } = change.marker;
      return { ...base, policy: `${namespace}:${name}${field === 'image' ? '' : `:${field}`}` };
    }
    const workload = change.workload;
    const id =
      workload === undefined
        ? ''
        : `${workload.namespace ?? ''}:${workload.kind.toLowerCase()}/${workload.name}`;
    return { ...base, workload: id, container: change.container ?? '' };
  });
}
