/**
 * Invalid rule folders under test/rules/invalid/: each is loaded as one rules
 * directory and must be refused with exactly the diagnostics in its
 * expected-diagnostics.json (code, severity, file, line, column, rule,
 * message), in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRuleset } from '../../src/core/rules/load.ts';
import { LOADER_CODES } from '../../src/core/rules/codes.ts';
import { STOCK_ACTIONS, toFixture, type FixtureDiagnostic } from './helpers.ts';

const ROOT = join(import.meta.dirname, 'invalid');
const cases = readdirSync(ROOT).sort();

function expected(dir: string): FixtureDiagnostic[] {
  return JSON.parse(readFileSync(join(dir, 'expected-diagnostics.json'), 'utf8')) as FixtureDiagnostic[];
}

for (const name of cases) {
  test(`invalid/${name}: the ruleset is refused with exactly the expected diagnostics`, () => {
    const dir = join(ROOT, name);
    const r = loadRuleset([dir], { actions: STOCK_ACTIONS });
    assert.equal(r.ruleset, null, 'a ruleset with errors must be refused');
    assert.deepEqual(r.diagnostics.map((d) => toFixture(d, dir)), expected(dir));
    for (const d of r.diagnostics) assert.ok(d.excerpt?.includes('^'), `${d.code} at ${d.loc.line}:${d.loc.col} has a caret excerpt`);
  });
}

test('every loader code is exercised by an invalid fixture, except those only a running system can produce', () => {
  // Codes whose cause is not a rule file: a missing directory, a config var,
  // a broken test case folder. test/rules/loader.test.ts and
  // test/rules/runner.test.ts cover them.
  const elsewhere = new Set(['VGL_FILE_READ', 'VGL_VAR_OVERRIDE_UNKNOWN', 'VGL_TEST_CASE']);
  const seen = new Set(cases.flatMap((c) => expected(join(ROOT, c)).map((d) => d.code)));
  const missing = Object.keys(LOADER_CODES).filter((c) => !seen.has(c) && !elsewhere.has(c));
  assert.deepEqual(missing, []);
});
