/**
 * Audit of `vigil rules test` as a user runs it (docs/cli.md "vigil rules
 * test", docs/rules.md "Testing rules"): what reaches the terminal, and
 * what a run that tests nothing says and exits with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempTree } from './temp-tree.ts';
import { vigil } from '../cli/run-cli.ts';

const RULE = 'rules:\n  - id: any-packet\n    description: Every packet.\n    on: [packet]\n    type: single\n    key: [iface]\n    message: "on {{iface}}"\n';
const event = (iface: string) => JSON.stringify({ ts: Date.parse('2026-01-01T00:00:00Z'), kind: 'packet', proto: 'tcp', iface, src: { ip: '10.77.0.9', port: 40000 }, dst: { ip: '10.77.0.2', port: 22 } });


// 8-bit CSI, right-to-left override, line separator, DEL: JSON.stringify leaves all four as they are.
const HOSTILE = 'eth0\u009b2J\u202eevil\u2028x\u007f';

test('a failing case\'s diff writes control, bidi and line-separator characters from the traffic as visible escapes', (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE,
    'pack/tests/hostile/events.jsonl': event(HOSTILE) + '\n',
    'pack/tests/hostile/expected.yaml': '- rule: any-packet\n  ts: 2026-01-01T00:00:00Z\n  message: on eth0\n',
  });
  const r = vigil(['rules', 'test', join(root, 'pack')]);
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stdout, /[\u0080-\u009f\u007f\u202e\u2028]/, 'no raw control character reaches the terminal');
  assert.ok(r.stdout.includes('  message: expected "on eth0", got "on eth0\\x9b2J\\u202eevil\\u2028x\\x7f"'), r.stdout);
  assert.ok(r.stdout.includes('key {"iface":"eth0\\x9b2J\\u202eevil\\u2028x\\x7f"}'), r.stdout);
});

test('--json keeps the exact text: JSON readers get the values as they came', (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE,
    'pack/tests/hostile/events.jsonl': event(HOSTILE) + '\n',
    'pack/tests/hostile/expected.yaml': '- rule: any-packet\n  ts: 2026-01-01T00:00:00Z\n  message: on eth0\n',
  });
  const r = vigil(['rules', 'test', join(root, 'pack'), '--json']);
  assert.equal(r.code, 1, r.stderr);
  const row = JSON.parse(r.stdout.trim()) as { status: string; problems: string[] };
  assert.equal(row.status, 'fail');
  assert.ok(row.problems.some((p) => p.includes(JSON.stringify(`on ${HOSTILE}`))), r.stdout);
});

test('a case description written as a folded YAML block stays on the case\'s line', (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE,
    'pack/tests/folded/events.jsonl': event('eth0') + '\n',
    'pack/tests/folded/expected.yaml': '- rule: any-packet\n  ts: 2026-01-01T00:00:00Z\n',
    'pack/tests/folded/case.yaml': 'description: >\n  one packet,\n  one hit\n',
  });
  const r = vigil(['rules', 'test', join(root, 'pack')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, 'PASS  pack/tests/folded — one packet, one hit (1/1 hits)\n1 cases: 1 passed, 0 failed, 0 errors\n');
});

test('a directory without any case says so, naming it and where cases go', (t) => {
  const root = tempTree(t, { 'site/rules.yaml': RULE, 'site/test/one/events.jsonl': '' });
  const r = vigil(['rules', 'test', join(root, 'site')]);
  assert.equal(r.code, 0, 'no case failed');
  assert.equal(r.stdout, '0 cases: 0 passed, 0 failed, 0 errors\n');
  assert.equal(r.stderr, `vigil rules test: no test case under ${join(root, 'site')} (a case is a folder tests/<case>/ holding events.jsonl or a capture, and expected.yaml)\n`);
  const json = vigil(['rules', 'test', join(root, 'site'), '--json']);
  assert.equal(json.stdout, '');
  assert.match(json.stderr, /no test case under /);
});

test('--only that selects no case is a usage error naming the text, not a silent success', (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE,
    'pack/tests/one/events.jsonl': event('eth0') + '\n',
    'pack/tests/one/expected.yaml': '- rule: any-packet\n  ts: 2026-01-01T00:00:00Z\n',
  });
  const r = vigil(['rules', 'test', join(root, 'pack'), '--only', 'onee']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'vigil rules test: no case name contains "onee"; the 1 case found: pack/tests/one\n');
});

test('a ruleset that does not load says no case ran, rather than counting zero cases', (t) => {
  const root = tempTree(t, {
    'pack/rules.yaml': RULE.replace('type: single', 'type: singel'),
    'pack/tests/one/events.jsonl': event('eth0') + '\n',
    'pack/tests/one/expected.yaml': '[]\n',
  });
  const r = vigil(['rules', 'test', join(root, 'pack')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /VGL_RULE_UNKNOWN_TYPE/);
  assert.match(r.stdout, /\nthe ruleset was not loaded; no case ran\n$/);
  assert.doesNotMatch(r.stdout, /0 cases/);
});
