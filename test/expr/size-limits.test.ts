/**
 * Large but plausible conditions: a generated allow-list written as one
 * `||` chain, a long chain of macros, macros that use another macro twice.
 * Each must compile or be refused with a located diagnostic; the loader must
 * never throw (stack overflow), and compile work must not grow exponentially.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { STOCK_ACTIONS } from '../rules/helpers.ts';

const rule = (when: string) => `rules:\n  - id: r1\n    description: d\n    on: [packet]\n    type: single\n    when: ${when}\n`;

function loadOrThrow(text: string): ReturnType<typeof loadRulesetFromText> {
  let r: ReturnType<typeof loadRulesetFromText> | undefined;
  let thrown: unknown;
  try { r = loadRulesetFromText([{ path: 'site.yaml', text }], { actions: STOCK_ACTIONS }); } catch (e) { thrown = e; }
  assert.equal(thrown, undefined, `the loader threw ${String(thrown)} instead of loading or reporting`);
  return r!;
}

test('a 2000-address `||` chain loads (or is refused, located); the loader does not throw', () => {
  const when = Array.from({ length: 2000 }, (_, i) => `src.ip == "10.0.${i >> 8}.${i & 255}"`).join(' || ');
  const r = loadOrThrow(rule(when));
  if (!r.ruleset) assert.ok(r.diagnostics.some((d) => d.loc.file === 'site.yaml' && d.loc.line === 6));
});

test('a chain of 2000 macros, each using the next, does not throw out of the loader', () => {
  const n = 2000;
  const macros = Array.from({ length: n }, (_, i) => `  m${i}: ${i === n - 1 ? 'dst.port == 22' : `m${i + 1}`}\n`).join('');
  const r = loadOrThrow(`macros:\n${macros}${rule('m0')}`);
  if (!r.ruleset) assert.ok(r.diagnostics.some((d) => d.loc.file === 'site.yaml'));
});

test('a macro using another macro twice, 12 levels deep, does not compile to 2^12 copies', () => {
  // Each level doubles the text of the expansion: 18 levels take ~8 s to load,
  // 24 levels minutes, frozen in a hot reload. Compiled size should grow with
  // the number of macros, not with 2^levels.
  const size = (levels: number): number => {
    const macros = Array.from({ length: levels }, (_, i) =>
      `  m${i}: ${i === levels - 1 ? 'dst.port == 22' : `"m${i + 1} && (m${i + 1} || dst.port == ${i})"`}\n`).join('');
    const r = loadOrThrow(`macros:\n${macros}${rule('m0')}`);
    assert.ok(r.ruleset);
    return r.ruleset.rules[0].when!.fn.toString().length;
  };
  const small = size(6), large = size(12);
  assert.ok(large < small * 8, `compiled code grew ${Math.round(large / small)}× from 6 to 12 levels (${small} → ${large} chars)`);
});

test('a cycle through 2000 macros is refused with one report per place it closes, each of readable length', () => {
  const n = 2000;
  const macros = Array.from({ length: n }, (_, i) => `  m${i}: ${i === n - 1 ? '"m0 && dst.port == 22"' : `m${i + 1}`}\n`).join('');
  const r = loadOrThrow(`macros:\n${macros}`);
  assert.equal(r.ruleset, null);
  const cycles = r.diagnostics.filter((d) => d.code === 'VGL_EXPR_MACRO_CYCLE' || d.code === 'VGL_EXPR_SYNTAX');
  assert.ok(cycles.length >= 1 && cycles.length <= 2, `${cycles.length} reports for one cycle`);
  for (const d of cycles) assert.ok(d.message.length < 400, `a ${d.message.length}-character message`);
});

test('a cycle no rule uses is reported once, where it closes in the first macro written', () => {
  const r = loadOrThrow('macros:\n  a: b\n  b: "c && dst.port == 1"\n  c: a\n  d: dst.port == 2\n');
  assert.equal(r.ruleset, null);
  const cycles = r.diagnostics.filter((d) => d.code === 'VGL_EXPR_MACRO_CYCLE');
  assert.equal(cycles.length, 1);
  assert.equal(cycles[0].loc.line, 2);
  assert.match(cycles[0].message, /a → b → c → a|c → a → b → c|b → c → a → b/);
});

test('a mistake in a macro that 50 others use is reported once, at the mistake', () => {
  const users = Array.from({ length: 50 }, (_, i) => `  u${i}: "broken || dst.port == ${i}"\n`).join('');
  const r = loadOrThrow(`macros:\n  broken: src.ipp == "10.77.0.1"\n${users}`);
  assert.equal(r.ruleset, null);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.loc.line, d.loc.col]), [['VGL_EXPR_UNKNOWN_FIELD', 2, 11]]);
});
