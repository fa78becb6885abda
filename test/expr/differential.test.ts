/**
 * The compiled functions must equal jexl's own evaluator on every expression
 * and event. jexl's evalSync is the oracle; it gets the same helpers, and
 * vars/lists in its context under the names the expressions use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import jexlModule from 'jexl';
import { compileExpr } from '../../src/core/expr/compile.ts';
import { bindHelpers, HELPER_NAMES } from '../../src/core/expr/helpers/index.ts';
import { CASES, LOC, makeEnv, randomEvent, rng } from './support.ts';


const EVENTS = 90;

test('compiled expressions equal jexl evalSync on every (expression, event) pair', () => {
  const env = makeEnv();
  const oracle = new jexlModule.Jexl();
  const helpers = bindHelpers({ runtime: env.runtime, lists: env.lists });
  for (const name of HELPER_NAMES) { oracle.addFunction(name, helpers[name]); oracle.addTransform(name, helpers[name]); }
  const extra: Record<string, unknown> = { ...env.lists };
  for (const [k, v] of Object.entries(env.vars)) extra[`$${k}`] = v;

  const r = rng(20261126);
  const events = Array.from({ length: EVENTS }, (_, i) => randomEvent(r, i));
  let pairs = 0;
  let varied = 0;
  const mismatches: string[] = [];
  for (const [src, oracleSrc] of CASES) {
    const seen = new Set<string>();
    const c = compileExpr(src, LOC, env);
    assert.ok(c.ok, `${src} should compile: ${c.ok ? '' : c.diagnostics.map((d) => d.message).join('; ')}`);
    const expr = oracle.compile(oracleSrc ?? src);
    for (const ev of events) {
      let want: unknown;
      try { want = expr.evalSync({ ...ev, ...extra }); } catch { want = undefined; }
      const got = c.value.fn(ev);
      seen.add(JSON.stringify(got) ?? 'undefined');
      pairs++;
      try { assert.deepStrictEqual(got, want); } catch {
        if (mismatches.length < 10) mismatches.push(`${src} on ${JSON.stringify(ev)}: compiled ${JSON.stringify(got)}, jexl ${JSON.stringify(want)}`);
        else mismatches.push('');
      }
    }
    if (seen.size > 1) varied++;
  }
  assert.equal(mismatches.length, 0, `mismatches:\n${mismatches.filter(Boolean).join('\n')}`);
  assert.ok(CASES.length >= 40, `only ${CASES.length} expressions`);
  assert.ok(pairs >= 5000, `only ${pairs} pairs compared`);
  // The events must exercise the expressions: nearly all give more than one distinct result.
  assert.ok(varied >= CASES.length * 0.9, `only ${varied} of ${CASES.length} expressions varied over the events`);
});
