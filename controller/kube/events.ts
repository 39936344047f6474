import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeApi } from './api.ts';
import type { ObjectRef, ResourceInfo } from './types.ts';

const EVENTS: ResourceInfo = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  namespaced: true,
};

/** The API limits an event note to 1 kB. */
const MAX_NOTE = 1024;

/** Options of the event recorder. */
export interface EventRecorderOptions {
  api: KubeApi;
  logger: Logger;
  /** `reportingController` of every event. Default `tagpilot`. */
  reportingController?: string;
  /** `reportingInstance`, e.g. the pod name. Default `tagpilot`. */
  reportingInstance?: string;
  /** Clock. Default `Date.now`. */
  now?: () => number;
}

/** One event to record. */
export interface EventInput {
  /** The object the event is about. */
  regarding: ObjectRef;
  /** A second object, e.g. the GitSync that owns the regarding object. */
  related?: ObjectRef | undefined;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. `DriftReverted`. */
  reason: string;
  /** UpperCamelCase, e.g. `Apply`, `Prune`, `RevertDrift`. */
  action: string;
  /** Human-readable; cut to 1 kB. Must never contain Secret data. */
  note: string;
}

/**
 * Records `events.k8s.io/v1` Events with reporting controller `tagpilot`. Failures are logged
 * and swallowed on purpose: an event that cannot be written must not fail a sync.
 */
export class EventRecorder {
  readonly #options: EventRecorderOptions;

  constructor(options: EventRecorderOptions) {
    this.#options = options;
  }

  /** Writes one event in the namespace of the regarding object (`default` for cluster-scoped ones). */
  async record(input: EventInput): Promise<void> {
    const now = (this.#options.now ?? Date.now)();
    const namespace = input.regarding.namespace || 'default';
    const body: Record<string, unknown> = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: `${input.regarding.name}.${now.toString(16)}${randomBytes(4).toString('hex')}`,
        namespace,
      },
      eventTime: microTime(now),
      reportingController: this.#options.reportingController ?? 'tagpilot',
      reportingInstance: this.#options.reportingInstance ?? 'tagpilot',
      action: input.action,
      reason: input.reason,
      type: input.type,
      note: input.note.length > MAX_NOTE ? `${input.note.slice(0, MAX_NOTE - 1)}…` : input.note,
      regarding: toReference(input.regarding),
    };
    if (input.related) body.related = toReference(input.related);
    try {
      await this.#options.api.create(EVENTS, namespace, body);
    } catch (error) {
      this.#options.logger.warn(
        { err: error instanceof Error ? error.message : String(error), reason: input.reason },
        'could not record event',
      );
    }
  }
}

function toReference(ref: ObjectRef): Record<string, string> {
  const reference: Record<string, string> = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (ref.namespace) reference.namespace = ref.namespace;
  if (ref.uid) reference.uid = ref.uid;
  return reference;
}

/** RFC 3339 with exactly six fractional digits, as `MicroTime` requires. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
