// API server paths of tagpilot's custom resources, in one place.
import { API_VERSION } from './types.ts';

const BASE = `/apis/${API_VERSION}`;

/** The plurals of tagpilot's resources. */
export type TagpilotResource = 'gitsyncs' | 'imagepolicies';

/**
 * Path of a collection (`namespace` undefined: every namespace) or, with `name`, of one object, or of
 * its `status` subresource.
 */
export function resourcePath(
  resource: TagpilotResource,
  namespace?: string,
  name?: string,
  subresource?: 'status',
): string {
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  const object = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  const sub = subresource === undefined || name === undefined ? '' : `/${subresource}`;
  return `${BASE}${scope}/${resource}${object}${sub}`;
}
