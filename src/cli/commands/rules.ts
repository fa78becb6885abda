/** `vigil rules check|list|test`: validate, list and test rule directories. */
import type { Command } from 'commander';
import { loadRuleset } from '../../core/rules/load.ts';
import { hasErrors } from '../../core/rules/diagnostics.ts';
import { listRules, formatRuleList } from '../../core/rules/list.ts';
import { runRuleTests, formatCaseResult, ruleTestExitCode } from '../../core/rules/test-runner.ts';
import { EXIT } from '../exit.ts';
import { collect, loadConfigOrExit, ruleDirs, varOverrides, makeLogger, buildCatalog, actionSchemas, printDiagnostics, type CommonFlags } from '../setup.ts';

interface RulesFlags extends CommonFlags { json?: boolean; only?: string }

async function prepare(dirs: string[], flags: RulesFlags) {
  const cfg = loadConfigOrExit(flags.config, 'defaults');
  const catalog = await buildCatalog(cfg, makeLogger('warn'));
  const chosen = dirs.length ? dirs : ruleDirs(flags, cfg);
  return { dirs: chosen, actions: actionSchemas(catalog), vars: varOverrides(flags, cfg) };
}

const common = (c: Command): Command => c
  .option('--config <file>', 'config file (site plugins, vars, rule dirs when no DIR is given)')
  .option('--var <name=value>', 'set a rule variable (repeatable)', collect);

export function register(program: Command): void {
  const rules = program.command('rules').description('check, list and test rules');

  common(rules.command('check')
    .description('load rule directories and report every error with its location (exit 1 when any)')
    .argument('[dirs...]', 'rule directories, loaded in the order given; default: the stock packs, or the config\'s rules')
    .option('--json', 'one JSON object per diagnostic'))
    .action(async (dirs: string[], flags: RulesFlags) => {
      const p = await prepare(dirs, flags);
      const r = loadRuleset(p.dirs, { actions: p.actions, varOverrides: p.vars, varOverridesSource: '--var' });
      printDiagnostics(r.diagnostics, !!flags.json, process.stdout);
      const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = r.diagnostics.length - errors;
      if (!flags.json) {
        process.stdout.write(r.ruleset && !hasErrors(r.diagnostics)
          ? `ok: ${r.ruleset.rules.length} rules in ${r.ruleset.files.length} files${warnings ? `, ${warnings} warnings` : ''}\n`
          : `${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warnings` : ''}; the ruleset was not loaded\n`);
      }
      process.exitCode = r.ruleset && !hasErrors(r.diagnostics) ? EXIT.OK : EXIT.FINDINGS;
    });

  common(rules.command('list')
    .description('list the rules of the ruleset (enabled and disabled), in load order')
    .argument('[dirs...]', 'rule directories; default: the stock packs, or the config\'s rules')
    .option('--json', 'one JSON object per rule'))
    .action(async (dirs: string[], flags: RulesFlags) => {
      const p = await prepare(dirs, flags);
      const r = loadRuleset(p.dirs, { actions: p.actions, varOverrides: p.vars, varOverridesSource: '--var' });
      if (!r.ruleset) { printDiagnostics(r.diagnostics, false); process.exitCode = EXIT.FINDINGS; return; }
      const rows = listRules(r.ruleset);
      process.stdout.write(flags.json ? rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : '') : formatRuleList(rows) + '\n');
    });

  common(rules.command('test')
    .description('replay the test cases of rule directories (<dir>/**/tests/<case>/) and compare hits (exit 1 on any failure)')
    .argument('[dirs...]', 'rule directories; default: the stock packs, or the config\'s rules')
    .option('--only <text>', 'run only cases whose name contains text')
    .option('--json', 'one JSON object per case'))
    .action(async (dirs: string[], flags: RulesFlags) => {
      const p = await prepare(dirs, flags);
      const report = await runRuleTests(p.dirs, { actions: p.actions, varOverrides: p.vars, only: flags.only });
      printDiagnostics(report.diagnostics, !!flags.json, process.stdout);
      for (const c of report.cases) {
        process.stdout.write((flags.json ? JSON.stringify({ name: c.name, status: c.status, expected: c.expected, got: c.hits.length, problems: c.problems }) : formatCaseResult(c)) + '\n');
      }
      if (!flags.json) {
        const count = (s: string) => report.cases.filter((c) => c.status === s).length;
        process.stdout.write(`${report.cases.length} cases: ${count('pass')} passed, ${count('fail')} failed, ${count('error')} errors\n`);
      }
      process.exitCode = ruleTestExitCode(report);
    });
}
