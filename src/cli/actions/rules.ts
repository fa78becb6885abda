/** The work of `vigil rules check|list|test`, loaded only when one of them runs. */
import { loadRuleset } from '../../core/rules/load.ts';
import { hasErrors } from '../../core/rules/diagnostics.ts';
import { listRules, formatRuleList } from '../../core/rules/list.ts';
import { runRuleTests, formatCaseResult, ruleTestExitCode, type RuleTestReport } from '../../core/rules/test-runner.ts';
import { EXIT } from '../exit.ts';
import { loadConfigOrExit, ruleDirs, varOverrides, makeLogger, buildCatalog, actionSchemas, printDiagnostics, type CommonFlags } from '../setup.ts';

export interface RulesFlags extends CommonFlags { json?: boolean; only?: string }

async function prepare(dirs: string[], flags: RulesFlags) {
  const cfg = loadConfigOrExit(flags.config, 'defaults');
  const catalog = await buildCatalog(cfg, makeLogger('warn'));
  const chosen = dirs.length ? dirs : ruleDirs(flags, cfg);
  return { dirs: chosen, actions: actionSchemas(catalog), vars: varOverrides(flags, cfg) };
}

export async function check(dirs: string[], flags: RulesFlags): Promise<number> {
  const p = await prepare(dirs, flags);
  const r = loadRuleset(p.dirs, { actions: p.actions, varOverrides: p.vars, varOverridesSource: '--var' });
  printDiagnostics(r.diagnostics, !!flags.json, process.stdout);
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = r.diagnostics.length - errors;
  const ok = r.ruleset !== null && !hasErrors(r.diagnostics);
  if (!flags.json) {
    process.stdout.write(ok
      ? `ok: ${r.ruleset!.rules.length} rules in ${r.ruleset!.files.length} files${warnings ? `, ${warnings} warnings` : ''}\n`
      : `${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warnings` : ''}; the ruleset was not loaded\n`);
  }
  return ok ? EXIT.OK : EXIT.FINDINGS;
}

export async function list(dirs: string[], flags: RulesFlags): Promise<number> {
  const p = await prepare(dirs, flags);
  const r = loadRuleset(p.dirs, { actions: p.actions, varOverrides: p.vars, varOverridesSource: '--var' });
  if (!r.ruleset) { printDiagnostics(r.diagnostics, false); return EXIT.FINDINGS; }
  const rows = listRules(r.ruleset);
  process.stdout.write(flags.json ? rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : '') : formatRuleList(rows) + '\n');
  return EXIT.OK;
}

export async function test(dirs: string[], flags: RulesFlags): Promise<number> {
  const p = await prepare(dirs, flags);
  const report = await runRuleTests(p.dirs, { actions: p.actions, varOverrides: p.vars, only: flags.only });
  printDiagnostics(report.diagnostics, !!flags.json, process.stdout);
  if (flags.only !== undefined && report.found.length && !report.cases.length) {
    // An --only that selects nothing would otherwise pass having tested nothing.
    process.stderr.write(`vigil rules test: no case name contains ${JSON.stringify(flags.only)}; the ${report.found.length} case${report.found.length === 1 ? '' : 's'} found: ${report.found.join(', ')}\n`);
    return EXIT.USAGE;
  }
  for (const dir of report.dirsWithoutCases) {
    process.stderr.write(`vigil rules test: no test case under ${dir} (a case is a folder tests/<case>/ holding events.jsonl or a capture, and expected.yaml)\n`);
  }
  for (const c of report.cases) {
    process.stdout.write((flags.json ? JSON.stringify({ name: c.name, status: c.status, expected: c.expected, got: c.hits.length, problems: c.problems }) : formatCaseResult(c)) + '\n');
  }
  if (!flags.json) process.stdout.write(summaryLine(report) + '\n');
  return ruleTestExitCode(report);
}

function summaryLine(report: RuleTestReport): string {
  if (hasErrors(report.diagnostics)) return 'the ruleset was not loaded; no case ran';
  const count = (s: string) => report.cases.filter((c) => c.status === s).length;
  return `${report.cases.length} cases: ${count('pass')} passed, ${count('fail')} failed, ${count('error')} errors`;
}
