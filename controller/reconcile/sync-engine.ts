// The SyncEngine of one GitSync, backed by controller/sync's Syncer: full syncs on demand, and
// drift watches started after the first sync that applied something.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { WriteFence } from '../kube/write-fence.ts';
import { Syncer } from '../sync/index.ts';
import type { SyncEngineFactory } from './ports.ts';

/** Makes SyncEngines that share a KubeConfig and logger. */
export function syncEngines(options: {
  kubeConfig: KubeConfig;
  logger: Logger;
  reportingInstance: string;
  /** Asked before every write of every Syncer (the leadership fence). Default none. */
  fence?: WriteFence | undefined;
}): SyncEngineFactory {
  return ({ owner, ignore, revertDrift, handlers, impersonate }) => {
    const syncer = new Syncer({
      kubeConfig: options.kubeConfig,
      logger: options.logger.child({ gitsync: `${owner.namespace}/${owner.name}` }),
      owner,
      ignore,
      reportingInstance: options.reportingInstance,
      impersonate,
      ...(options.fence ? { fence: options.fence } : {}),
    });
    syncer.on('drift', handlers.onDrift);
    syncer.on('fight', handlers.onFight);
    syncer.on('fight-ended', handlers.onFightEnded);
    syncer.on('drift-error', handlers.onFailure);
    return {
      async sync(request) {
        const result = await syncer.sync(request);
        if (revertDrift && !result.error && result.inventory.length > 0) await syncer.startDriftWatch();
        return result;
      },
      stop: () => syncer.stop(),
    };
  };
}
