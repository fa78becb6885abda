/**
 * Audit of `vigil rules test` against docs/rules.md "Testing rules": which
 * folders are cases, what an expected.yaml must say, how big an input may
 * be, and what an expected hit may name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempTree } from './temp-tree.ts';
import { runRuleTests, ruleTestExitCode } from '../../src/core/rules/test-runner.ts';

const RULE = 'rules:\n  - id: any-packet\n    description: Every packet.\n    on: [packet]\n    type: single\n    key: [src.ip]\n';
const OTHER_RULE = 'rules:\n  - id: other-packet\n    description: Every packet, seen by another pack.\n    on: [packet]\n    type: single\n    key: [src.ip]\n';
const EVENT = JSON.stringify({ ts: Date.parse('2026-01-01T00:00:00Z'), kind: 'packet', proto: 'tcp', src: { ip: '10.77.0.9', port: 40000 }, dst: { ip: '10.77.0.2', port: 22 } });
const ONE_HIT = '- rule: any-packet\n  ts: 2026-01-01T00:00:00Z\n';


test('a link from inside a rules directory back to an ancestor does not run the cases again at every level', async (t) => {
  const root = tempTree(t, { 'pack/rules.yaml': RULE, 'pack/tests/one/events.jsonl': EVENT + '\n', 'pack/tests/one/expected.yaml': ONE_HIT });
  symlinkSync('..', join(root, 'pack', 'up'));
  const r = await runRuleTests([join(root, 'pack')]);
  assert.deepEqual(r.cases.map((c) => [c.name, c.status]), [['pack/tests/one', 'pass']]);
});

test('a rules directory given twice runs its cases once, as its rules are loaded once', async (t) => {
  const root = tempTree(t, { 'pack/rules.yaml': RULE, 'pack/tests/one/events.jsonl': EVENT + '\n', 'pack/tests/one/expected.yaml': ONE_HIT });
  const r = await runRuleTests([join(root, 'pack'), join(root, 'pack')]);
  assert.deepEqual(r.cases.map((c) => c.name), ['pack/tests/one']);
});

test('an expected.yaml that lists nothing (empty, or only comments) is an error, not "no hits expected": `[]` says that', async (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE,
    'pack/tests/empty/events.jsonl': '',
    'pack/tests/empty/expected.yaml': '',
    'pack/tests/comments/events.jsonl': '',
    'pack/tests/comments/expected.yaml': '# TODO: list the hits\n',
    'pack/tests/none/events.jsonl': '',
    'pack/tests/none/expected.yaml': '[]\n',
  });
  const r = await runRuleTests([join(root, 'pack')]);
  const exp = (c: string) => join(root, 'pack', 'tests', c, 'expected.yaml');
  assert.deepEqual(r.cases.map((c) => [c.name, c.status, c.problems]), [
    ['pack/tests/comments', 'error', [`${exp('comments')}: lists no hit; list the hits the case expects, or write \`[]\` when it expects none [VGL_TEST_CASE]`]],
    ['pack/tests/empty', 'error', [`${exp('empty')}: lists no hit; list the hits the case expects, or write \`[]\` when it expects none [VGL_TEST_CASE]`]],
    ['pack/tests/none', 'pass', []],
  ]);
  assert.equal(ruleTestExitCode(r), 1);
});

test('an input too large for a test case is that case\'s located error, and is not read', async (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE,
    'pack/tests/huge/expected.yaml': '[]\n',
    'pack/tests/small/events.jsonl': EVENT + '\n',
    'pack/tests/small/expected.yaml': ONE_HIT,
  });
  const huge = join(root, 'pack', 'tests', 'huge', 'events.jsonl');
  writeFileSync(huge, '');
  // Sparse: 600 MiB on paper, nothing on disk. Read whole, it used to end the run with "Cannot create a string longer than …" and a stack trace.
  truncateSync(huge, 600 * 1024 * 1024);
  const r = await runRuleTests([join(root, 'pack')]);
  assert.deepEqual(r.cases.map((c) => [c.name, c.status]), [['pack/tests/huge', 'error'], ['pack/tests/small', 'pass']]);
  assert.deepEqual(r.cases[0].problems, [
    `${huge}: brings the case's inputs to 629145600 bytes, over the 67108864 they may hold together; keep only the events the case is about (\`vigil replay\` runs bulk inputs) [VGL_TEST_CASE]`,
  ]);
});

test('an expected hit of a rule that is not the case\'s pack\'s is an error naming where the rule is, not a "no such hit"', async (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE,
    'other/rules.yaml': OTHER_RULE,
    'pack/tests/foreign/events.jsonl': EVENT + '\n',
    'pack/tests/foreign/expected.yaml': ONE_HIT + '- rule: other-packet\n  ts: 2026-01-01T00:00:00Z\n',
    'pack/tests/typo/events.jsonl': EVENT + '\n',
    'pack/tests/typo/expected.yaml': '- rule: any-pakcet\n  ts: 2026-01-01T00:00:00Z\n',
  });
  const r = await runRuleTests([join(root, 'pack'), join(root, 'other')]);
  const exp = (c: string) => join(root, 'pack', 'tests', c, 'expected.yaml');
  assert.deepEqual(r.cases.map((c) => [c.name, c.status, c.problems]), [
    ['pack/tests/foreign', 'error', [
      `${exp('foreign')}: hit 2: \`other-packet\` is a rule of ${join(root, 'other', 'rules.yaml')}, not of this case's pack ${join(root, 'pack')}, whose cases judge only its own rules' hits; move the hit to a case of that rule's pack [VGL_TEST_CASE]`,
    ]],
    ['pack/tests/typo', 'error', [`${exp('typo')}: hit 1: \`any-pakcet\` names no rule of the ruleset; did you mean \`any-packet\`? [VGL_TEST_CASE]`]],
  ]);
});
