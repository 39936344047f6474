// The `tagpilot` command tree. Commander exits 1 on a usage error; tagpilot reserves 1 for "not
// ok" verdicts, so every command throws instead (exitOverride) and `runProgram` turns usage errors
// into 2 (help and --version stay 0).
import { Command, CommanderError } from 'commander';
import { checkPolicyCommand } from './commands/check-policy.ts';
import { controllerCommand } from './commands/controller.ts';
import { editCommands } from './commands/edit-workload.ts';
import { identityCommand } from './commands/identity.ts';
import { listImagesCommand } from './commands/list-images.ts';
import { listWorkloadsCommand } from './commands/list-workloads.ts';
import { statusCommand } from './commands/status.ts';
import { resumeCommand, suspendCommand } from './commands/suspend.ts';
import { syncCommand } from './commands/sync.ts';
import { EXIT } from './errors.ts';
import type { Streams } from './output.ts';

/** Every command, in the order `--help` lists them. */
export function buildProgram(streams: Streams): Command {
  const program = new Command('tagpilot')
    .description('GitOps image-update automation for Kubernetes')
    .version('0.1.0')
    .addCommand(controllerCommand())
    .addCommand(statusCommand(streams))
    .addCommand(listWorkloadsCommand(streams))
    .addCommand(listImagesCommand(streams))
    .addCommand(checkPolicyCommand(streams))
    .addCommand(syncCommand(streams))
    .addCommand(suspendCommand(streams))
    .addCommand(resumeCommand(streams))
    .addCommand(identityCommand(streams));
  for (const command of editCommands(streams)) program.addCommand(command);
  for (const command of everyCommand(program)) {
    command.exitOverride().showHelpAfterError('(add --help for usage)');
  }
  return program;
}

/** The command and all its subcommands. */
export function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}

/** Parses `argv` and runs the command; sets process.exitCode. */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    process.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
}
