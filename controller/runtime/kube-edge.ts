// The controller's one way to Kubernetes: one KubeClient (one connection pool), one Discovery and
// one EventRecorder, made once and handed to every reconciler and Syncer (docs/decisions/0004).
// With leader election, the Lease is read and written through an unfenced view of the same client,
// and everything else goes through a view fenced by the Lease (decision 0003).
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from '../kube/api.ts';
import { KubeClient } from '../kube/client.ts';
import { Discovery } from '../kube/discovery.ts';
import { EventRecorder } from '../kube/events.ts';
import type { Logger } from '../logger.ts';
import { type LeaderElectionOptions, LeaderElector } from './leader-election.ts';

/** What the controller reaches Kubernetes with. */
export interface KubeEdge {
  /** Fenced by the Lease when electing; every other client is a view of this one. */
  client: KubeClient;
  discovery: Discovery;
  events: EventRecorder;
  /** Undefined when leader election is off (a single replica). */
  elector: LeaderElector | undefined;
  /** Stops electing (releasing a held Lease) and closes the connections. */
  close(): Promise<void>;
}

/** Options of `createKubeEdge`. */
export interface KubeEdgeOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** `reportingInstance` of Events and the identity in the Lease. */
  identity: string;
  /** Lease settings; undefined turns leader election off. */
  election?: Omit<LeaderElectionOptions, 'client' | 'identity'> | undefined;
}

/** Makes the client, discovery, event recorder and (when electing) the elector; starts nothing. */
export function createKubeEdge(options: KubeEdgeOptions): KubeEdge {
  const base = new KubeClient({ kubeConfig: options.kubeConfig });
  const elector = options.election
    ? new LeaderElector({ ...options.election, client: base, identity: options.identity })
    : undefined;
  // Only the leader writes: every write to the cluster asks the Lease's fence first.
  const client = elector ? base.view({ fence: elector.fence }) : base;
  const events = new EventRecorder({
    api: new KubeApi(client),
    logger: options.logger,
    reportingInstance: options.identity,
  });
  return {
    client,
    discovery: new Discovery(client),
    events,
    elector,
    close: async () => {
      await elector?.stop();
      await base.close();
    },
  };
}
