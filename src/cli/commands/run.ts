/** `vigil run`: options here; the work (and its heavy imports) in ../actions/run.ts, loaded on use. */
import type { Command } from 'commander';
import { collect } from '../collect.ts';
import type { CommonFlags } from '../setup.ts';

export function register(program: Command): void {
  program.command('run')
    .description('watch the live host: inputs from the config (default: the socket table), rules, actions')
    .option('--config <file>', 'config file (default: the embedded config/default.yaml)')
    .option('--rules <dir>', 'rules directory (repeatable); default: the config\'s rules', collect)
    .option('--var <name=value>', 'set a rule variable (repeatable)', collect)
    .action(async (flags: CommonFlags) => {
      const { run } = await import('../actions/run.ts');
      process.exitCode = await run(flags);
    });
}
