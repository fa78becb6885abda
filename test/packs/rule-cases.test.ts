/**
 * The packs' own `vigil rules test` cases (rules/<pack>/tests/<case>/, made
 * by test/packs/make-rule-cases.ts) pass with the real test runner, and
 * together they make every rule of each pack fire at least once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runRuleTests } from '../../src/core/rules/test-runner.ts';
import { loadRuleset } from '../../src/core/rules/load.ts';
import { ACTIONS } from './replay-harness.ts';

const RULES = join(import.meta.dirname, '..', '..', 'rules');
/** Rules whose case needs a list set by the case (case.yaml sets vars only); covered by test/packs/portscan.test.ts. */
const NOT_COVERED_BY_CASES = new Set(['portscan-hot-port']);

for (const pack of ['portscan', 'scanlogd']) {
  describe(`${pack} pack: vigil rules test cases`, () => {
    it('every case passes', async () => {
      const report = await runRuleTests([join(RULES, pack)], { actions: ACTIONS });
      assert.deepEqual(report.diagnostics.filter((d) => d.severity === 'error'), []);
      assert.ok(report.cases.length >= 8, `found ${report.cases.length} cases`);
      const failed = report.cases.filter((c) => c.status !== 'pass').map((c) => `${c.name}: ${c.problems.join('; ')}`);
      assert.deepEqual(failed, []);
    });

    it('the cases make every rule of the pack fire', async () => {
      const report = await runRuleTests([join(RULES, pack)], { actions: ACTIONS });
      const fired = new Set(report.cases.flatMap((c) => c.hits.map((h) => h.rule)));
      const rules = loadRuleset([join(RULES, pack)], { actions: ACTIONS }).ruleset!.rules.map((r) => r.id);
      assert.deepEqual(rules.filter((id) => !fired.has(id) && !NOT_COVERED_BY_CASES.has(id)), []);
    });
  });
}
