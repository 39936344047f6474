// `tagpilot identity <gitsync> [--regenerate]`: like `fluxctl identity`, prints the public SSH key
// of the key pair tagpilot uses for an SSH GitSync whose Secret names no identity, to paste as a
// deploy key (with write access). Makes the pair when the controller has not yet; `--regenerate`
// replaces it and asks the controller to reconnect with it at once. The private key never leaves
// its Secret.
import { Command } from 'commander';
import { RECONCILE_AT_ANNOTATION } from '../../api/types.ts';
import { fingerprintOf, generateIdentity, isSshUrl } from '../../git/index.ts';
import { ensureSshIdentity, identitySecretName } from '../../kube/ssh-identity.ts';
import { EXIT, runAction, UsageError } from '../errors.ts';
import { addGlobalOptions, type GlobalOptions } from '../flags.ts';
import { gitSyncKey, patchGitSync, resolveGitSync } from '../gitsyncs.ts';
import { withKube } from '../kube-context.ts';
import { printResult, type Streams } from '../output.ts';

/** What `identity` prints with `-o json|yaml`. */
export interface IdentityResult {
  gitsync: string;
  /** The Secret holding the key pair. */
  secret: string;
  publicKey: string;
  fingerprint: string;
  /** True when the key pair was made by this run (first use or --regenerate). */
  created: boolean;
}

/** The `identity` command; `now` is the clock for the reconcile-at annotation. */
export function identityCommand(streams: Streams, now: () => Date = () => new Date()): Command {
  const command = new Command('identity')
    .description(
      'Print the SSH public key tagpilot uses for a GitSync, to add as a deploy key with write access',
    )
    .argument('<gitsync>', 'a GitSync name or namespace/name')
    .option('--regenerate', 'replace the key pair with a new one (the old deploy key stops working)', false);
  addGlobalOptions(command, 'namespace of the GitSync (default: the one namespace that has it)');
  return command.action(
    runAction(streams, 'identity', async (ref: string, options: GlobalOptions & { regenerate: boolean }) =>
      withKube(options, async (kube) => {
        const gitsync = await resolveGitSync(kube, ref);
        const namespace = gitsync.metadata.namespace ?? 'default';
        if (!isSshUrl(gitsync.spec.url))
          throw new UsageError(`GitSync ${namespace}/${gitsync.metadata.name} does not use an SSH URL`);
        const owner = {
          apiVersion: gitsync.apiVersion,
          kind: gitsync.kind,
          namespace,
          name: gitsync.metadata.name,
          uid: gitsync.metadata.uid,
        };
        const comment = `tagpilot-${namespace}-${gitsync.metadata.name}`;
        const pair = await ensureSshIdentity(kube.client, owner, () => generateIdentity(comment), {
          regenerate: options.regenerate,
        });
        // A new key is used at once: the controller reopens the repository with it.
        if (pair.created) {
          await patchGitSync(kube.client, gitsync, {
            metadata: { annotations: { [RECONCILE_AT_ANNOTATION]: now().toISOString() } },
          });
        }
        const blob = Buffer.from(pair.publicKey.split(' ')[1] ?? '', 'base64');
        const result: IdentityResult = {
          gitsync: gitSyncKey(gitsync),
          secret: `${namespace}/${identitySecretName(gitsync.metadata.name)}`,
          publicKey: pair.publicKey,
          fingerprint: fingerprintOf(blob),
          created: pair.created,
        };
        await printResult(streams, options.output, result, () => [result.publicKey]);
        return EXIT.OK;
      }),
    ),
  );
}
