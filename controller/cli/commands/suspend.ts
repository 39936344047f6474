// `tagpilot suspend <gitsync>` and `tagpilot resume <gitsync>`: set spec.suspend on the GitSync
// object itself (one merge patch). Resume is suspend's inverse and shares its code, so both live
// here.
import { Command } from 'commander';
import { EXIT, runAction } from '../errors.ts';
import { addGlobalOptions, type GlobalOptions } from '../flags.ts';
import { gitSyncKey, patchGitSync, resolveGitSync } from '../gitsyncs.ts';
import { withKube } from '../kube-context.ts';
import { printResult, type Streams } from '../output.ts';
import type { PatchResult } from './sync.ts';

/** The `suspend` command. */
export function suspendCommand(streams: Streams): Command {
  return suspendOrResume(streams, 'suspend', true);
}

/** The `resume` command. */
export function resumeCommand(streams: Streams): Command {
  return suspendOrResume(streams, 'resume', false);
}

function suspendOrResume(streams: Streams, name: 'suspend' | 'resume', suspend: boolean): Command {
  const command = new Command(name)
    .description(
      suspend
        ? 'Stop syncing and automating a GitSync (sets spec.suspend: true)'
        : 'Resume a suspended GitSync (sets spec.suspend: false)',
    )
    .argument('<gitsync>', 'a GitSync name or namespace/name');
  addGlobalOptions(command, 'namespace of the GitSync (default: the one namespace that has it)');
  return command.action(
    runAction(streams, name, async (ref: string, options: GlobalOptions) =>
      withKube(options, async (kube) => {
        const gitsync = await resolveGitSync(kube, ref);
        await patchGitSync(kube.client, gitsync, { spec: { suspend } });
        const result: PatchResult = { gitsync: gitSyncKey(gitsync), action: name, suspend };
        await printResult(streams, options.output, result, () => [
          `gitsync ${result.gitsync}: ${suspend ? 'suspended' : 'resumed'}`,
        ]);
        return EXIT.OK;
      }),
    ),
  );
}
