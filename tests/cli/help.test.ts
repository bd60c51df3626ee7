import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandPath } from '../../src/cli/command-examples.js';
import { buildProgram } from '../../src/cli/main.js';

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

describe('polytune --help', () => {
  it('shows a worked example for every command', () => {
    const program = buildProgram();
    const commands = allCommands(program).filter((c) => c.name() !== 'help');
    expect(commands.length).toBeGreaterThan(10);
    for (const command of commands) {
      let help = '';
      command.configureOutput({ writeOut: (s) => (help += s) });
      command.outputHelp();
      expect(help, `polytune ${commandPath(command)} --help`).toMatch(/Examples?:\n {2}polytune /);
    }
  });

  it('documents the exit codes', () => {
    let text = '';
    const program = buildProgram().configureOutput({ writeOut: (s) => (text += s) });
    program.outputHelp();
    expect(text).toMatch(/0\s+success/);
    expect(text).toMatch(/2\s+invalid input or usage/);
  });
});
