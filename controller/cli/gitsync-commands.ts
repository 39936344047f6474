// `tagpilot sync [gitsync]`, `suspend <gitsync>`, `resume <gitsync>`: merge patches on the GitSync
// object itself (the reconcile-at annotation, spec.suspend). These are the only commands that write
// to the cluster; everything about workloads goes through Git.
import { Command } from 'commander';
import { type GitSync, RECONCILE_AT_ANNOTATION } from '../api/types.ts';
import { EXIT } from './errors.ts';
import { gitSyncKey, gitSyncPath, listGitSyncs, resolveGitSync } from './gitsyncs.ts';
import { addKubeOptions, type KubeContext, type KubeOptions, withKube } from './kube-context.ts';
import { type OutputFormat, outputOption, printResult, type Streams } from './output.ts';
import { runAction } from './run-action.ts';

type Options = KubeOptions & { output: OutputFormat };

/** What sync/suspend/resume did to one GitSync (`-o json` prints a list of these). */
export interface PatchResult {
  gitsync: string;
  action: 'sync' | 'suspend' | 'resume';
  /** The annotation value written by `sync`. */
  reconcileAt?: string;
  /** spec.suspend after `suspend`/`resume`. */
  suspend?: boolean;
}

/** The `sync`, `suspend` and `resume` commands; `now` is the clock for the annotation. */
export function gitSyncCommands(streams: Streams, now: () => Date = () => new Date()): Command[] {
  const sync = new Command('sync')
    .description(
      `Ask for an immediate fetch, sync and automation run (sets the ${RECONCILE_AT_ANNOTATION} annotation)`,
    )
    .argument('[gitsync]', 'a GitSync name or namespace/name (default: every GitSync in scope)')
    .addOption(outputOption());
  addKubeOptions(sync, 'namespace of the GitSync(s) (default: all namespaces)');
  sync.action(
    runAction(streams, 'sync', async (ref: string | undefined, options: Options) =>
      withKube(options, async (kube) => {
        const targets = ref
          ? [await resolveGitSync(kube, ref)]
          : await listGitSyncs(kube.client, kube.namespace);
        const at = now().toISOString();
        const results: PatchResult[] = [];
        for (const gitsync of targets) {
          await patch(kube, gitsync, { metadata: { annotations: { [RECONCILE_AT_ANNOTATION]: at } } });
          results.push({ gitsync: gitSyncKey(gitsync), action: 'sync', reconcileAt: at });
        }
        await printResult(streams, options.output, results, () =>
          results.length === 0
            ? ['no GitSyncs found']
            : results.map((r) => `gitsync ${r.gitsync}: sync requested (${RECONCILE_AT_ANNOTATION}=${at})`),
        );
        return EXIT.OK;
      }),
    ),
  );
  return [sync, suspendCommand(streams, 'suspend', true), suspendCommand(streams, 'resume', false)];
}

function suspendCommand(streams: Streams, name: 'suspend' | 'resume', suspend: boolean): Command {
  const command = new Command(name)
    .description(
      suspend
        ? 'Stop syncing and automating a GitSync (sets spec.suspend: true)'
        : 'Resume a suspended GitSync (sets spec.suspend: false)',
    )
    .argument('<gitsync>', 'a GitSync name or namespace/name')
    .addOption(outputOption());
  addKubeOptions(command, 'namespace of the GitSync (default: the one namespace that has it)');
  return command.action(
    runAction(streams, name, async (ref: string, options: Options) =>
      withKube(options, async (kube) => {
        const gitsync = await resolveGitSync(kube, ref);
        await patch(kube, gitsync, { spec: { suspend } });
        const result: PatchResult = { gitsync: gitSyncKey(gitsync), action: name, suspend };
        await printResult(streams, options.output, result, () => [
          `gitsync ${result.gitsync}: ${suspend ? 'suspended' : 'resumed'}`,
        ]);
        return EXIT.OK;
      }),
    ),
  );
}

async function patch(kube: KubeContext, gitsync: GitSync, body: unknown): Promise<void> {
  const namespace = gitsync.metadata.namespace ?? 'default';
  const { name } = gitsync.metadata;
  await kube.client.request({
    method: 'PATCH',
    path: gitSyncPath(namespace, name),
    contentType: 'application/merge-patch+json',
    body,
    what: `patch GitSync ${namespace}/${name}`,
  });
}
