/** `vigil rules check|list|test`: options here; the work in ../actions/rules.ts, loaded on use. */
import type { Command } from 'commander';
import { collect } from '../collect.ts';
import type { RulesFlags } from '../actions/rules.ts';

const common = (c: Command): Command => c
  .option('--config <file>', 'config file (site plugins, vars, rule dirs when no DIR is given)')
  .option('--var <name=value>', 'set a rule variable (repeatable)', collect);

const work = () => import('../actions/rules.ts');

export function register(program: Command): void {
  const rules = program.command('rules').description('check, list and test rules');

  common(rules.command('check')
    .description('load rule directories and report every error with its location (exit 1 when any)')
    .argument('[dirs...]', 'rule directories, loaded in the order given; default: the stock packs, or the config\'s rules')
    .option('--json', 'one JSON object per diagnostic'))
    .action(async (dirs: string[], flags: RulesFlags) => { process.exitCode = await (await work()).check(dirs, flags); });

  common(rules.command('list')
    .description('list the rules of the ruleset (enabled and disabled), in load order')
    .argument('[dirs...]', 'rule directories; default: the stock packs, or the config\'s rules')
    .option('--json', 'one JSON object per rule'))
    .action(async (dirs: string[], flags: RulesFlags) => { process.exitCode = await (await work()).list(dirs, flags); });

  common(rules.command('test')
    .description('replay the test cases of rule directories (<dir>/**/tests/<case>/) and compare hits (exit 1 on any failure)')
    .argument('[dirs...]', 'rule directories; default: the stock packs, or the config\'s rules')
    .option('--only <text>', 'run only cases whose name contains text')
    .option('--json', 'one JSON object per case'))
    .action(async (dirs: string[], flags: RulesFlags) => { process.exitCode = await (await work()).test(dirs, flags); });
}
