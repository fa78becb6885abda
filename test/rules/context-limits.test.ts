/**
 * The `contexts:` section: per-name limits carried by the loaded ruleset.
 * Invalid declarations are covered by test/rules/invalid/contexts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { formatDiagnostic } from '../../src/core/rules/diagnostics.ts';
import { STOCK_ACTIONS } from './helpers.ts';

function load(files: Record<string, string>, varOverrides?: Record<string, unknown>) {
  return loadRulesetFromText(Object.entries(files).map(([path, text]) => ({ path, text })), { actions: STOCK_ACTIONS, varOverrides });
}

const PACK = `
vars:
  reported_cap: 50000
contexts:
  portscan_reported: { max_keys: $reported_cap }
  scanner: { max_keys: 2000 }
rules:
  - id: mark
    description: Marks a reported source and a scanner.
    on: [packet]
    type: single
    key: [src.ip]
    actions:
      - context.set: { name: portscan_reported, key: "{{src.ip}}" }
      - context.set: { name: scanner, key: "{{src.ip}}" }
`;

test('declared limits reach the ruleset by context name; a file without the section adds none', () => {
  const r = load({ 'pack.yaml': PACK, 'other.yaml': 'rules: []' });
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(r.ruleset?.contexts, { portscan_reported: { maxKeys: 50000 }, scanner: { maxKeys: 2000 } });
  assert.deepEqual(load({ 'empty.yaml': '' }).ruleset?.contexts, {});
});

test('a limit given as a var follows the var: a later file or the config tunes a pack without redeclaring it', () => {
  assert.deepEqual(load({ 'pack.yaml': PACK, 'site.yaml': 'vars: { reported_cap: 9000 }' }).ruleset?.contexts?.portscan_reported, { maxKeys: 9000 });
  assert.deepEqual(load({ 'pack.yaml': PACK }, { reported_cap: 7000 }).ruleset?.contexts?.portscan_reported, { maxKeys: 7000 });
});

test('two packs may declare the same context with the same limit', () => {
  const r = load({ 'a.yaml': PACK, 'b.yaml': 'contexts: { scanner: { max_keys: 2000 } }' });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.ruleset?.contexts?.scanner.maxKeys, 2000);
});

test('the same context with another limit refuses the ruleset, naming both places', () => {
  const r = load({ 'a.yaml': PACK, 'b.yaml': 'contexts:\n  scanner: { max_keys: 10 }\n' });
  assert.equal(r.ruleset, null);
  assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.message}`), [
    'VGL_CONTEXT_CONFLICT b.yaml:2:3 context `scanner` is declared here with max_keys 10 and at a.yaml:6:3 with max_keys 2000; keep one declaration, or make them equal (to let a site tune it, write `max_keys: $some_var` once)',
  ]);
});

test('a declared name no context.set writes is a warning naming the nearest set name; the ruleset still loads', () => {
  const r = load({ 'a.yaml': PACK, 'b.yaml': 'contexts:\n  scaner: { max_keys: 10 }\n' });
  assert.ok(r.ruleset);
  assert.deepEqual(r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.message}`), [
    "warning VGL_CONTEXT_UNSET b.yaml:2:3 context `scaner` is declared but no rule's `context.set` names it, so its limit applies to nothing; did you mean `scanner`?",
  ]);
});

test('when some context.set takes its name from a template, any declared name may be set, so none is warned about', () => {
  const templated = PACK.replace('name: scanner,', 'name: "scan_{{proto}}",');
  assert.deepEqual(load({ 'a.yaml': templated, 'b.yaml': 'contexts: { scan_tcp: { max_keys: 10 } }' }).diagnostics, []);
});

test('any context name may be declared, even one that is special to JavaScript objects', () => {
  const r = load({ 'a.yaml': 'contexts:\n  __proto__: { max_keys: 3 }\n  constructor: { max_keys: 4 }\n' });
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['VGL_CONTEXT_UNSET', 'VGL_CONTEXT_UNSET'], 'no rule sets them');
  assert.deepEqual(Object.entries(r.ruleset?.contexts ?? {}), [['__proto__', { maxKeys: 3 }], ['constructor', { maxKeys: 4 }]]);
});
