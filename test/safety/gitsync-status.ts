// Reads a GitSync's conditions the way a user does (`kubectl get gitsync -o json`) and waits for
// the sync of a given commit to be reported.
import type { KubeStack } from '../support/kube.ts';
import { waitFor } from '../support/processes.ts';

/** One condition of a GitSync. */
export interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** The GitSync's conditions by type, and its inventory ids. */
export async function gitSyncStatus(
  kube: KubeStack,
  name: string,
  namespace = 'tagpilot-system',
): Promise<{ conditions: Map<string, ConditionView>; inventory: string[] }> {
  const { stdout } = await kube.kubectl(['get', 'gitsync', name, '-n', namespace, '-o', 'json']);
  const object = JSON.parse(stdout) as {
    status?: { conditions?: ConditionView[]; inventory?: { id: string }[] };
  };
  return {
    conditions: new Map((object.status?.conditions ?? []).map((c) => [c.type, c])),
    inventory: (object.status?.inventory ?? []).map((e) => e.id),
  };
}

/** Waits until the GitSync's Synced condition reports `commit`; returns its conditions. */
export async function awaitSyncOf(
  kube: KubeStack,
  name: string,
  commit: string,
  options: { timeoutMs?: number; onTimeout?: () => string } = {},
): Promise<Map<string, ConditionView>> {
  const short = commit.slice(0, 7);
  let conditions = new Map<string, ConditionView>();
  await waitFor(
    `GitSync ${name} to report the sync of ${short}`,
    async () => {
      conditions = (await gitSyncStatus(kube, name)).conditions;
      return conditions.get('Synced')?.message.includes(`commit ${short}`) === true;
    },
    {
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.onTimeout ? { onTimeout: options.onTimeout } : {}),
    },
  );
  return conditions;
}

/** True when the object exists (`kubectl get` succeeds). */
export async function exists(kube: KubeStack, args: string[]): Promise<boolean> {
  return (await kube.kubectl(['get', ...args], { allowFailure: true })).code === 0;
}
