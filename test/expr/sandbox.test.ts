/**
 * Names like `constructor` and `__proto__` are refused after a dot, but a
 * bracket with a string reaches them on any value a rule can name (template
 * roots `data`, `key`, `rule`, lists, vars): `data["constructor"]["constructor"]`
 * is the Function constructor. No call path was found (jexl has no calls on
 * values), but a condition or template is meant to see event data only.
 * Note: jexl's own evaluator gives the same values, so fixing this means a
 * deliberate, documented difference from jexl (and the differential test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpr, compileTemplate } from '../../src/core/expr/compile.ts';
import { LOC, makeEnv } from '../expr/support.ts';

const env = makeEnv();
const scope = { ts: 5, kind: 'packet', src: { ip: '10.77.0.9' }, data: { ports: [22] }, key: ['10.77.0.9'], rule: 'r', count: 1 };

test('bracket access by string never yields a constructor, a prototype or a function', () => {
  for (const src of ['data["constructor"]', 'data["constructor"]["constructor"]', 'rule["constructor"]["constructor"]', 'data["__proto__"]', 'key["constructor"]["isArray"]', 'hot_ports["constructor"]', '$ports["constructor"]["from"]']) {
    const c = compileExpr(src, LOC, env);
    if (!c.ok) continue; // refusing the expression at load is fine
    const v = c.value.fn(scope);
    assert.ok(typeof v !== 'function' && v !== Object.prototype, `${src} gives ${typeof v === 'function' ? `function ${v.name}` : String(v)}`);
  }
});

test('a template cannot print what lies behind a value\'s prototype', () => {
  const t = compileTemplate('{{ rule["constructor"]["constructor"]["name"] }}', LOC, env);
  if (!t.ok) return;
  assert.equal(t.value.render(scope), '');
});
