/**
 * `vigil rules test`: case folders under a rules directory's tests/ are
 * replayed through the engine on event time and compared hit by hit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuleTests, ruleTestExitCode, formatCaseResult } from '../../src/core/rules/test-runner.ts';
import { ethernet, ip, tcp, PROTO } from '../../bench/lib/packets.ts';
import { pcapBytes } from '../../bench/lib/pcap-writer.ts';
import { STOCK_ACTIONS } from './helpers.ts';

const PACKS = join(import.meta.dirname, 'packs');
const T0 = Date.parse('2026-01-15T12:00:00Z');

function tempPack(files: Record<string, string | Buffer>): { dir: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'vigil-rule-tests-'));
  const dir = join(root, 'pack');
  for (const [rel, body] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, body);
  }
  return { dir, done: () => rmSync(root, { recursive: true, force: true }) };
}

const SYN_RULE = `
vars:
  syn_threshold: 1
rules:
  - id: syn-seen
    description: Every bare SYN, keyed by source and port.
    on: [packet]
    when: tcp.flags.syn && !tcp.flags.ack
    type: single
    key: [src.ip, dst.port]
    tags: [SYN]
`;

function synCapture(): Buffer {
  const pkt = (ms: number, src: string, dport: number, flags: string) => ({
    tsMs: T0 + ms,
    data: ethernet(ip(src, '10.77.0.1', PROTO.TCP, tcp({ sport: 40000, dport, flags }))),
  });
  return pcapBytes([pkt(0, '10.77.0.9', 22, 'S'), pkt(500, '10.77.0.1', 40000, 'SA'), pkt(1000, '10.77.0.9', 23, 'S')]);
}

test('the fixture packs pass: site tuning (vars, list extension, macros, overrides, case vars, lists and macros), host facts, `until`', async () => {
  for (const pack of ['site-tuning', 'host-facts', 'unanswered']) {
    const r = await runRuleTests([join(PACKS, pack)], { actions: STOCK_ACTIONS });
    assert.deepEqual(r.diagnostics, []);
    assert.ok(r.cases.length > 0);
    for (const c of r.cases) assert.equal(c.status, 'pass', formatCaseResult(c));
    assert.equal(ruleTestExitCode(r), 0);
  }
});

test('`until` runs the clock on after the last event, so a window that ends later still acts', async () => {
  const r = await runRuleTests([join(PACKS, 'unanswered')]);
  const [c] = r.cases;
  assert.equal(c.status, 'pass', formatCaseResult(c));
  assert.deepEqual(c.hits.map((h) => h.ts), [T0 + 5001], 'the absence hit comes 3s after the last SYN (at 12:00:02), past the last event');
});

test('a pcap case is decoded and replayed on its packet times', async () => {
  const p = tempPack({
    'rules.yaml': SYN_RULE,
    'tests/two-syns/capture.pcap': synCapture(),
    'tests/two-syns/expected.yaml': '- { rule: syn-seen, ts: 2026-01-15T12:00:00Z, key: [10.77.0.9, 22], src: 10.77.0.9 }\n- { rule: syn-seen, ts: "2026-01-15T12:00:01.000Z", key: [10.77.0.9, 23], tags: [SYN] }\n',
  });
  try {
    const r = await runRuleTests([p.dir]);
    assert.deepEqual(r.cases.map((c) => [c.name, c.status, c.problems]), [['pack/tests/two-syns', 'pass', []]]);
    assert.deepEqual(r.cases[0].hits.map((h) => h.ts), [T0, T0 + 1000]);
  } finally { p.done(); }
});

test('a mismatch is a failure with a field-by-field diff, and missing or extra hits are named', async () => {
  const p = tempPack({
    'rules.yaml': SYN_RULE,
    'tests/wrong/capture.pcap': synCapture(),
    'tests/wrong/expected.yaml': [
      '- { rule: syn-seen, ts: 2026-01-15T12:00:00Z, key: [10.77.0.9, 21], tags: [SYN, SCAN] }',
      '- { rule: syn-seen, ts: 2026-01-15T12:00:01Z }',
      '- { rule: syn-seen, ts: 2026-01-15T12:00:02Z, src: 10.77.0.8 }',
    ].join('\n'),
    'tests/short/capture.pcap': synCapture(),
    'tests/short/expected.yaml': '- { rule: syn-seen, ts: 2026-01-15T12:00:00Z }\n',
  });
  try {
    const r = await runRuleTests([p.dir]);
    assert.equal(ruleTestExitCode(r), 1);
    assert.deepEqual(r.cases.map((c) => [c.name, c.status, c.problems]), [
      ['pack/tests/short', 'fail', [
        'unexpected hit 2: rule syn-seen src 10.77.0.9 at 2026-01-15T12:00:01.000Z key {"src.ip":"10.77.0.9","dst.port":23}',
        'expected 1 hit(s), got 2: 0 missing, 1 unexpected, 0 with other values',
      ]],
      ['pack/tests/wrong', 'fail', [
        'hit 1 (rule syn-seen src 10.77.0.9 at 2026-01-15T12:00:00.000Z key {"src.ip":"10.77.0.9","dst.port":22}):',
        '  key: expected ["10.77.0.9",21], got {"src.ip":"10.77.0.9","dst.port":22}',
        '  tags: expected ["SYN","SCAN"], got ["SYN"]',
        'expected hit 3 (rule syn-seen src 10.77.0.8 at 2026-01-15T12:00:02.000Z): no such hit',
        'expected 3 hit(s), got 2: 1 missing, 0 unexpected, 1 with other values',
      ]],
    ]);
    assert.match(formatCaseResult(r.cases[1]), /^FAIL  pack\/tests\/wrong \(2\/3 hits\)\n {4}hit 1 /);
  } finally { p.done(); }
});

test('the diff aligns hits like a text diff: one missing hit is named once, and a hit at another time shows its time', async () => {
  const p = tempPack({
    'rules.yaml': SYN_RULE,
    'tests/one-missing/capture.pcap': synCapture(),
    'tests/one-missing/expected.yaml': [
      '- { rule: syn-seen, ts: 2026-01-15T12:00:00Z }',
      '- { rule: syn-seen, ts: 2026-01-15T12:00:00.500Z, src: 10.77.0.1 }',
      '- { rule: syn-seen, ts: 2026-01-15T12:00:01Z, tags: [SYN, X] }',
    ].join('\n'),
    'tests/late/capture.pcap': synCapture(),
    'tests/late/expected.yaml': '- { rule: syn-seen, ts: 2026-01-15T12:00:00Z }\n- { rule: syn-seen, ts: 2026-01-15T12:00:02Z, key: [10.77.0.9, 23] }\n',
  });
  try {
    const r = await runRuleTests([p.dir]);
    assert.deepEqual(r.cases.map((c) => [c.name, c.problems]), [
      ['pack/tests/late', [
        'hit 2 (rule syn-seen src 10.77.0.9 at 2026-01-15T12:00:01.000Z key {"src.ip":"10.77.0.9","dst.port":23}):',
        '  ts: expected 2026-01-15T12:00:02.000Z, got 2026-01-15T12:00:01.000Z',
        'expected 2 hit(s), got 2: 0 missing, 0 unexpected, 1 with other values',
      ]],
      ['pack/tests/one-missing', [
        'expected hit 2 (rule syn-seen src 10.77.0.1 at 2026-01-15T12:00:00.500Z): no such hit',
        'expected hit 3, got hit 2 (rule syn-seen src 10.77.0.9 at 2026-01-15T12:00:01.000Z key {"src.ip":"10.77.0.9","dst.port":23}):',
        '  tags: expected ["SYN","X"], got ["SYN"]',
        'expected 3 hit(s), got 2: 1 missing, 0 unexpected, 1 with other values',
      ]],
    ]);
  } finally { p.done(); }
});

test('a case folder that cannot run is an error saying which file and what to add', async () => {
  const p = tempPack({
    'rules.yaml': SYN_RULE,
    'tests/no-input/expected.yaml': '[]\n',
    'tests/no-expected/events.jsonl': '',
    'tests/bad-line/events.jsonl': '{"kind":"packet","ts":"2026-01-15T12:00:00Z"}\n{"kind":"packet"}\n',
    'tests/bad-line/expected.yaml': '[]\n',
    'tests/bad-field/events.jsonl': '',
    'tests/bad-field/expected.yaml': '- { rule: syn-seen, ts: 2026-01-15T12:00:00Z, mesage: x }\n',
    'tests/bad-case/events.jsonl': '',
    'tests/bad-case/expected.yaml': '[]\n',
    'tests/bad-case/case.yaml': 'hosts: [10.77.0.1]\n',
    'tests/bad-vars/events.jsonl': '',
    'tests/bad-vars/expected.yaml': '[]\n',
    'tests/bad-vars/case.yaml': 'vars: { syn_treshold: 3 }\n',
  });
  try {
    const r = await runRuleTests([p.dir]);
    const t = (c: string) => join(p.dir, 'tests', c);
    assert.deepEqual(r.cases.map((c) => [c.name.replace('pack/tests/', ''), c.status, c.problems]), [
      ['bad-case', 'error', [`${t('bad-case')}/case.yaml: \`hosts\` is not a case key; did you mean \`host\`? [VGL_TEST_CASE]`]],
      ['bad-field', 'error', [`${t('bad-field')}/expected.yaml: hit 1: \`mesage\` is not a hit field; did you mean \`message\`? [VGL_TEST_CASE]`]],
      ['bad-line', 'error', [`${t('bad-line')}/events.jsonl:2: \`ts\` is missing; add "ts": ms since the epoch or an ISO 8601 time like "2026-01-15T12:00:00Z" [VGL_TEST_CASE]`]],
      ['bad-vars', 'error', [`${t('bad-vars')}/case.yaml: \`vars.syn_treshold\` names no var of the ruleset; did you mean \`syn_threshold\`? [VGL_TEST_CASE]`]],
      ['no-expected', 'error', [`${t('no-expected')}: no expected.yaml; add one listing the expected hits (\`[]\` for none) [VGL_TEST_CASE]`]],
      ['no-input', 'error', [`${t('no-input')}: no input; add events.jsonl or a .pcap/.pcapng capture [VGL_TEST_CASE]`]],
    ]);
    assert.equal(ruleTestExitCode(r), 1);
  } finally { p.done(); }
});

test('a ruleset with errors runs no case and reports the load diagnostics', async () => {
  const p = tempPack({
    'rules.yaml': SYN_RULE.replace('type: single', 'type: singel'),
    'tests/any/events.jsonl': '',
    'tests/any/expected.yaml': '[]\n',
  });
  try {
    const r = await runRuleTests([p.dir]);
    assert.deepEqual(r.cases, []);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.loc.line]), [['VGL_RULE_UNKNOWN_TYPE', 9]]);
    assert.equal(ruleTestExitCode(r), 1);
  } finally { p.done(); }
});

test('case lists and macros may only change ones the rule files define; their errors point into case.yaml', async () => {
  const pack = `
lists:
  watched_ports: [22]
macros:
  site_allow: "false"
rules:
  - id: watched
    description: A bare SYN to a watched port.
    on: [packet]
    when: tcp.flags.syn && !tcp.flags.ack && dst.port in watched_ports && !site_allow
    type: single
    key: [src.ip]
`;
  const p = tempPack({
    'rules.yaml': pack,
    'tests/unknown-names/events.jsonl': '',
    'tests/unknown-names/expected.yaml': '[]\n',
    'tests/unknown-names/case.yaml': 'description: typos\nlists:\n  watch_ports: [23]\nmacros:\n  site_alow: "true"\n',
    'tests/bad-values/events.jsonl': '',
    'tests/bad-values/expected.yaml': '[]\n',
    'tests/bad-values/case.yaml': 'lists:\n  watched_ports: [[22, 23]]\nmacros:\n  site_allow: src.ipp == "10.77.0.9"\n',
    'tests/not-a-map/events.jsonl': '',
    'tests/not-a-map/expected.yaml': '[]\n',
    'tests/not-a-map/case.yaml': 'lists: [22]\n',
  });
  try {
    const r = await runRuleTests([p.dir]);
    const t = (c: string) => join(p.dir, 'tests', c, 'case.yaml');
    const first = (c: { problems: readonly string[] }) => c.problems.map((x) => x.split('\n')[0]);
    assert.deepEqual(r.cases.map((c) => [c.name.replace('pack/tests/', ''), c.status, first(c)]), [
      ['bad-values', 'error', [
        `${t('bad-values')}:2:19: item of list \`watched_ports\` must be a string, number or boolean, got a list [VGL_LIST_VALUE]`,
        `${t('bad-values')}:4:15: \`src.ipp\` is not a field; did you mean \`src.ip\`? [VGL_EXPR_UNKNOWN_FIELD]`,
      ]],
      ['not-a-map', 'error', [`${t('not-a-map')}: \`lists\` must be a map of list name to its values, as in a rule file [VGL_TEST_CASE]`]],
      ['unknown-names', 'error', [
        `${t('unknown-names')}:3:3: case list \`watch_ports\` names no list of the ruleset; did you mean \`watched_ports\`? [VGL_TEST_CASE]`,
        `${t('unknown-names')}:5:3: case macro \`site_alow\` names no macro of the ruleset; did you mean \`site_allow\`? [VGL_TEST_CASE]`,
      ]],
    ]);
    assert.match(r.cases[2].problems[0], /\n3 \| {3}watch_ports: \[23\]\n/, 'with the case.yaml line under the message');
  } finally { p.done(); }
});

test('--only selects cases by any part of the name as printed (directory name included)', async () => {
  const dir = join(PACKS, 'site-tuning');
  const all = await runRuleTests([dir], { actions: STOCK_ACTIONS });
  assert.ok(all.cases.length >= 2 && all.cases.every((c) => c.name.startsWith('site-tuning/tests/')), all.cases.map((c) => c.name).join(', '));
  const byDir = await runRuleTests([dir], { actions: STOCK_ACTIONS, only: 'site-tuning/' });
  assert.deepEqual(byDir.cases.map((c) => c.name), all.cases.map((c) => c.name));
  const one = all.cases[0].name;
  const byName = await runRuleTests([dir], { actions: STOCK_ACTIONS, only: one });
  assert.deepEqual(byName.cases.map((c) => c.name), [one]);
});
