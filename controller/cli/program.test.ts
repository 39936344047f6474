import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgram } from './program.ts';

const streams = { stdout: { write: () => true }, stderr: { write: () => true } };

describe('the tagpilot command tree', () => {
  const program = buildProgram(streams);
  const commands = new Map(program.commands.map((command) => [command.name(), command]));

  it('has every command of DESIGN §3.4', () => {
    const expected = [
      'controller',
      'status',
      'list-workloads',
      'list-images',
      'check-policy',
      'sync',
      'suspend',
      'resume',
      'identity',
    ];
    const edits = ['automate', 'deautomate', 'lock', 'unlock', 'policy', 'release'];
    assert.deepEqual([...commands.keys()], [...expected, ...edits]);
  });

  it('gives every command that talks to the cluster the kubectl flags, and every command -o', () => {
    for (const [name, command] of commands) {
      const help = command.helpInformation();
      if (name !== 'controller') assert.match(help, /-o, --output <format>/, name);
      if (name === 'controller' || name === 'check-policy') continue;
      for (const flag of ['--kubeconfig <path>', '--context <name>', '-n, --namespace <ns>']) {
        assert.ok(help.includes(flag), `${name} --help lacks ${flag}`);
      }
    }
  });

  it('speaks one dialect: the same global flags on every command but the controller daemon', () => {
    const global = [
      '--kubeconfig <path>',
      '--context <name>',
      '-n, --namespace <ns>',
      '--cache-dir <dir>',
      '-o, --output <format>',
    ];
    for (const [name, command] of commands) {
      if (name === 'controller') continue;
      const help = command.helpInformation();
      for (const flag of global) assert.ok(help.includes(flag), `${name} --help lacks ${flag}`);
    }
  });

  it('gives the edit commands --workload, --gitsync, --message, --author and --dry-run', () => {
    for (const name of ['automate', 'deautomate', 'lock', 'unlock', 'policy', 'release']) {
      const help = commands.get(name)?.helpInformation() ?? '';
      for (const flag of ['--workload', '--gitsync', '--message', '--author', '--dry-run']) {
        assert.ok(help.includes(flag), `${name} --help lacks ${flag}`);
      }
    }
    assert.match(commands.get('policy')?.helpInformation() ?? '', /--tag <container=filter>/);
    assert.match(commands.get('release')?.helpInformation() ?? '', /--update-image <repo:tag>/);
  });
});
