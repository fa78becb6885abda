/**
 * Hostile YAML in rule files: anchors and aliases. A rule file must either
 * load or be refused with located diagnostics; the loader must never throw
 * (that kills `vigil rules check` with a stack trace) nor expand an alias
 * bomb node by node (that freezes a hot reload, which runs between events).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { STOCK_ACTIONS } from '../rules/helpers.ts';

test('a self-referencing alias is a located error, not a thrown RangeError', () => {
  // `&a [1, *a]` is a recursive collection: valid YAML syntax, infinite as a tree.
  const text = 'vars:\n  a: &a [1, *a]\n';
  let r: ReturnType<typeof loadRulesetFromText> | undefined;
  assert.doesNotThrow(() => { r = loadRulesetFromText([{ path: 'site.yaml', text }], { actions: STOCK_ACTIONS }); }, 'the loader throws instead of reporting');
  assert.equal(r!.ruleset, null, 'the file is refused');
  const errs = r!.diagnostics.filter((d) => d.severity === 'error');
  assert.ok(errs.length > 0);
  assert.ok(errs.every((d) => d.loc.file === 'site.yaml' && d.loc.line === 2), JSON.stringify(errs.map((d) => d.loc)));
});

test('an alias bomb (each level repeats the previous ten times) is refused, not expanded', () => {
  // 4 levels of 10 aliases each: 10^5 nodes from 6 short lines. yaml's own toJS
  // refuses this (maxAliasCount, "resource exhaustion"); the loader's tree
  // builder follows every alias itself. Two more levels take several seconds
  // and hundreds of MB; nine levels never finish (a hot reload freezes).
  const levels = ['a', 'b', 'c', 'd'];
  let text = 'vars:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n';
  let prev = 'l0';
  for (const name of levels) {
    text += `  ${name}: &${name} [${Array.from({ length: 10 }, () => `*${prev}`).join(', ')}]\n`;
    prev = name;
  }
  const r = loadRulesetFromText([{ path: 'bomb.yaml', text }], { actions: STOCK_ACTIONS });
  assert.equal(r.ruleset, null, 'a 100,000-node alias expansion was accepted as a var');
  assert.ok(r.diagnostics.some((d) => d.severity === 'error' && d.loc.file === 'bomb.yaml' && d.loc.line >= 2), 'located at an alias');
});
