// `tagpilot sync [gitsync]`: ask for an immediate fetch, sync and automation run by setting the
// reconcile-at annotation on the GitSync object itself. With suspend/resume, the only commands that
// write to the cluster; everything about workloads goes through Git.
import { Command } from 'commander';
import { RECONCILE_AT_ANNOTATION } from '../../api/types.ts';
import { EXIT, runAction } from '../errors.ts';
import { addGlobalOptions, type GlobalOptions } from '../flags.ts';
import { gitSyncKey, gitSyncsInScope, patchGitSync } from '../gitsyncs.ts';
import { withKube } from '../kube-context.ts';
import { printResult, type Streams } from '../output.ts';

/** What sync/suspend/resume did to one GitSync (`-o json` prints a list of these). */
export interface PatchResult {
  gitsync: string;
  action: 'sync' | 'suspend' | 'resume';
  /** The annotation value written by `sync`. */
  reconcileAt?: string;
  /** spec.suspend after `suspend`/`resume`. */
  suspend?: boolean;
}

/** The `sync` command; `now` is the clock for the annotation. */
export function syncCommand(streams: Streams, now: () => Date = () => new Date()): Command {
  const sync = new Command('sync')
    .description(
      `Ask for an immediate fetch, sync and automation run (sets the ${RECONCILE_AT_ANNOTATION} annotation)`,
    )
    .argument('[gitsync]', 'a GitSync name or namespace/name (default: every GitSync in scope)');
  addGlobalOptions(sync, 'namespace of the GitSync(s) (default: all namespaces)');
  return sync.action(
    runAction(streams, 'sync', async (ref: string | undefined, options: GlobalOptions) =>
      withKube(options, async (kube) => {
        const targets = await gitSyncsInScope(kube, ref);
        const at = now().toISOString();
        const results: PatchResult[] = [];
        for (const gitsync of targets) {
          await patchGitSync(kube.client, gitsync, {
            metadata: { annotations: { [RECONCILE_AT_ANNOTATION]: at } },
          });
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
}
