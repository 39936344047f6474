// Writes GitSync status with a merge patch, merging conditions onto what this replica wrote last
// rather than onto the informer's copy, which may not have caught up with the previous write yet
// (merging onto it would drop conditions set since).

import { type ConditionUpdate, setCondition } from '../api/conditions.ts';
import { resourcePath } from '../api/paths.ts';
import type { Condition, GitSync, GitSyncStatus } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';

/** The status writer of the GitSync reconciler. */
export class GitSyncStatusWriter {
  readonly #client: KubeClient;
  readonly #now: () => Date;
  /** The conditions written last, per GitSync (with the object's uid, so a re-created one starts over). */
  readonly #written = new Map<string, { uid: string | undefined; conditions: Condition[] }>();

  constructor(client: KubeClient, now: () => Date) {
    this.#client = client;
    this.#now = now;
  }

  /** Patches `status` fields and sets the condition `updates`. */
  async write(gitsync: GitSync, status: GitSyncStatus, updates: readonly ConditionUpdate[]): Promise<void> {
    const generation = gitsync.metadata.generation;
    const { namespace = 'default', name, uid } = gitsync.metadata;
    const key = `${namespace}/${name}`;
    // Merge onto what we wrote last, not onto the informer's copy, which may not have caught up
    // with our previous write yet (merging onto it would drop conditions set since).
    const written = this.#written.get(key);
    let conditions: Condition[] | undefined =
      written && written.uid === uid ? written.conditions : gitsync.status?.conditions;
    for (const update of updates) {
      conditions = setCondition(conditions, update, {
        now: this.#now(),
        ...(generation !== undefined ? { generation } : {}),
      });
    }
    await this.#client.request({
      method: 'PATCH',
      path: resourcePath('gitsyncs', namespace, name, 'status'),
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          ...status,
          conditions,
          ...(generation !== undefined ? { observedGeneration: generation } : {}),
        },
      },
      what: `update status of GitSync ${namespace}/${name}`,
    });
    this.#written.set(key, { uid, conditions: conditions ?? [] });
  }

  /** Forgets a deleted GitSync. */
  forget(key: string): void {
    this.#written.delete(key);
  }
}
