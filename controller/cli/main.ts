#!/usr/bin/env node
// The `tagpilot` command line.
import { Command } from 'commander';
import { controllerCommand } from './controller-command.ts';

const program = new Command('tagpilot')
  .description('GitOps image-update automation for Kubernetes')
  .version('0.1.0')
  .showHelpAfterError()
  .addCommand(controllerCommand());

await program.parseAsync(process.argv);
