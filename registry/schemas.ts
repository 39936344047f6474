/**
 * The registry JSON this client reads, validated where it enters: one schema per shape, only the
 * fields that are used (unknown fields pass). A body that is not JSON or not the shape becomes
 * `INVALID_RESPONSE` naming where it came from.
 */
import { z } from 'zod';
import { RegistryError } from './errors.ts';

/** `GET /v2/<name>/tags/list`: distribution answers `tags: null` for a repository without tags. */
export const tagListSchema = z.object({
  tags: z.array(z.string()).nullable().optional(),
});

const digestSchema = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');

/** A platform as written in an index entry. */
export const platformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

/** A Docker v2 image manifest or OCI image manifest: only the config descriptor is used. */
export const imageManifestSchema = z.object({
  mediaType: z.string().optional(),
  config: z.object({ digest: digestSchema }),
});

/** A Docker manifest list or OCI image index: the per-platform entries. */
export const imageIndexSchema = z.object({
  mediaType: z.string().optional(),
  manifests: z.array(
    z.object({
      digest: digestSchema,
      mediaType: z.string().optional(),
      platform: platformSchema.optional(),
    }),
  ),
});

/** The image config blob: only `created` (RFC 3339; absent in some reproducible builds). */
export const imageConfigSchema = z.object({
  created: z.string().optional(),
});

/** The distribution error body `{"errors":[{"code","message"}]}`. */
export const registryErrorsSchema = z.object({
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })),
});

/** Where a body came from, for error messages. */
export interface BodyContext {
  readonly registry: string;
  readonly repository?: string | undefined;
  /** E.g. `GET https://ghcr.io/v2/org/app/tags/list`. */
  readonly what: string;
}

/** Parses a JSON body once; throws `INVALID_RESPONSE` when it is not JSON. */
export function decodeJson(body: Buffer, context: BodyContext): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new RegistryError('INVALID_RESPONSE', `${context.what}: the body is not JSON`, {
      registry: context.registry,
      repository: context.repository,
      cause,
    });
  }
}

/** Validates an already parsed value; throws `INVALID_RESPONSE` naming the first issue. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, context: BodyContext): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new RegistryError(
    'INVALID_RESPONSE',
    `${context.what}: unexpected JSON${at}: ${issue?.message ?? 'invalid'}`,
    {
      registry: context.registry,
      repository: context.repository,
      cause: parsed.error,
    },
  );
}

/** Parses a JSON body once and validates it (see `decodeJson`, `validate`). */
export function parseJson<T>(schema: z.ZodType<T>, body: Buffer, context: BodyContext): T {
  return validate(schema, decodeJson(body, context), context);
}

/** The registry's own error text (`NAME_UNKNOWN: repository name not known to registry`), if the body has one. */
export function registryErrorText(body: Buffer): string | undefined {
  if (body.length === 0 || body.length > 65_536) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // not the distribution error shape: the status says enough
  }
  const parsed = registryErrorsSchema.safeParse(value);
  const first = parsed.success ? parsed.data.errors[0] : undefined;
  if (first === undefined) return undefined;
  const text = [first.code, first.message].filter(Boolean).join(': ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || undefined;
}
