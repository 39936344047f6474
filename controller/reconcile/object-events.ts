// Events about a GitSync or an ImagePolicy, with the object as `regarding`.
import type { GitSync, ImagePolicy } from '../api/types.ts';
import type { EventSink } from './ports.ts';

/** One Event's content. */
export interface EventContent {
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

/** Records an Event regarding `object`. */
export function recordEventAbout(
  events: EventSink,
  object: GitSync | ImagePolicy,
  content: EventContent,
): Promise<void> {
  const { name, namespace, uid } = object.metadata;
  return events.record({
    regarding: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name,
      namespace: namespace ?? 'default',
      uid,
    },
    ...content,
  });
}
