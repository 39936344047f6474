// The SyncEngine of one GitSync, backed by controller/sync's Syncer: full syncs on demand, and
// drift watches started after the first sync that applied something. Every Syncer shares the
// controller's one KubeClient (connections), Discovery and EventRecorder.
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.ts';
import type { Discovery } from '../kube/discovery.ts';
import type { EventRecorder } from '../kube/events.ts';
import { Syncer } from '../sync/index.ts';
import type { SyncEngineFactory } from './ports.ts';

/** Makes SyncEngines that share one client, discovery, event recorder and logger. */
export function syncEngines(options: {
  /** The controller's client, fenced by the leadership Lease; each engine impersonates through a view of it. */
  client: KubeClient;
  discovery: Discovery;
  events: EventRecorder;
  logger: Logger;
  reportingInstance: string;
}): SyncEngineFactory {
  return ({ owner, ignore, revertDrift, handlers, impersonate }) => {
    const syncer = new Syncer({
      client: options.client,
      discovery: options.discovery,
      events: options.events,
      logger: options.logger.child({ gitsync: `${owner.namespace}/${owner.name}` }),
      owner,
      ignore,
      reportingInstance: options.reportingInstance,
      impersonate,
    });
    syncer.on('drift', handlers.onDrift);
    syncer.on('fight', handlers.onFight);
    syncer.on('fight-ended', handlers.onFightEnded);
    syncer.on('drift-error', handlers.onFailure);
    syncer.on('health', handlers.onHealth);
    return {
      async sync(request) {
        const result = await syncer.sync(request);
        if (revertDrift && !result.error && result.inventory.length > 0) await syncer.startDriftWatch();
        return result;
      },
      health: () => syncer.healthVerdicts(),
      stop: () => syncer.stop(),
    };
  };
}
