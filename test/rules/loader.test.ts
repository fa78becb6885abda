/**
 * The rule loader's semantics: load order, vars, lists, macros, overrides,
 * defaults, hashes and diagnostics formatting. Invalid files are covered by
 * the fixture folders (invalid-fixtures.test.ts); these tests build small
 * rulesets from text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleset, loadRulesetFromText, type LoadOptions } from '../../src/core/rules/load.ts';
import { formatDiagnostic, diagnosticToJson } from '../../src/core/rules/diagnostics.ts';
import { parseDuration } from '../../src/core/rules/duration.ts';
import { listRules, formatRuleList } from '../../src/core/rules/list.ts';
import type { Rule, Ruleset } from '../../src/core/rules/types.ts';
import type { CompiledTemplate } from '../../src/core/rules/types.ts';
import { STOCK_ACTIONS } from './helpers.ts';

const opts: LoadOptions = { actions: STOCK_ACTIONS };

function load(files: Record<string, string>, o: LoadOptions = opts): Ruleset {
  const r = loadRulesetFromText(Object.entries(files).map(([path, text]) => ({ path, text })), o);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic), [], 'ruleset loads');
  assert.ok(r.ruleset);
  return r.ruleset;
}

function rule(rs: Ruleset, id: string): Rule {
  const r = rs.rules.find((x) => x.id === id) ?? rs.disabled?.find((x) => x.id === id);
  assert.ok(r, `rule ${id} is in the ruleset`);
  return r;
}

const PACK = `
vars:
  port_scan_threshold: 15
  lockout: 1h
lists:
  hot_ports: [23, 2323]
macros:
  bare_syn: tcp.flags.syn && !tcp.flags.ack
  site_allow: "false"
rules:
  - id: many-ports
    description: One source probes many ports.
    on: [packet]
    when: bare_syn && !site_allow
    type: threshold
    key: [src.ip]
    count: $port_scan_threshold
    window: 60s
    distinct: dst.port
    tags: [PORT_SCAN]
  - id: hot-port
    description: A SYN to a hot port.
    on: [packet]
    when: bare_syn && dst.port in hot_ports
    type: single
    key: [src.ip]
    suppress: 10m
    tags: [HOT_PORT]
  - id: unrelated
    description: Flows, for hash isolation.
    on: [flow]
    type: single
`;

const syn = (port: number) => ({ kind: 'packet', ts: 1, src: { ip: '10.77.0.9', port: 40000 }, dst: { ip: '10.77.0.1', port }, tcp: { flags: { syn: true, ack: false } } });

test('a later file sets a var again: the last value wins, in rules of earlier files too, and the rule hash changes', () => {
  const alone = load({ 'pack.yaml': PACK });
  const tuned = load({ 'pack.yaml': PACK, 'site.yaml': 'vars:\n  port_scan_threshold: 30\n' });
  assert.equal(rule(alone, 'many-ports').params.count, 15);
  assert.equal(rule(tuned, 'many-ports').params.count, 30);
  assert.equal(tuned.vars.port_scan_threshold, 30);
  assert.notEqual(rule(tuned, 'many-ports').hash, rule(alone, 'many-ports').hash);
  assert.equal(rule(tuned, 'hot-port').hash, rule(alone, 'hot-port').hash, 'a rule that does not use the var keeps its hash');
});

test('var overrides from the config win over every file; one naming no var is a warning that does not refuse the ruleset', () => {
  const r = loadRulesetFromText([{ path: 'pack.yaml', text: PACK }], { ...opts, varOverrides: { port_scan_threshold: 40, port_scan_treshold: 1 }, varOverridesSource: 'vigil.yaml' });
  assert.ok(r.ruleset);
  assert.equal(rule(r.ruleset, 'many-ports').params.count, 40);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.loc.file, d.message]), [[
    'VGL_VAR_OVERRIDE_UNKNOWN', 'warning', 'vigil.yaml',
    'var override `port_scan_treshold` names no var defined by the rule files, so it has no effect; did you mean `port_scan_threshold`?',
  ]]);
});

test('the hash covers the rule and the lists and macros it uses, and nothing else', () => {
  const base = load({ 'pack.yaml': PACK });
  const hash = (rs: Ruleset, id: string) => rule(rs, id).hash;
  assert.match(hash(base, 'many-ports'), /^[0-9a-f]{64}$/);
  assert.equal(hash(load({ 'pack.yaml': PACK }), 'many-ports'), hash(base, 'many-ports'), 'loading twice gives the same hash');

  const listExtended = load({ 'pack.yaml': PACK, 'site.yaml': 'lists:\n  hot_ports+: [8080]\n' });
  assert.notEqual(hash(listExtended, 'hot-port'), hash(base, 'hot-port'));
  assert.equal(hash(listExtended, 'many-ports'), hash(base, 'many-ports'));

  const macroChanged = load({ 'pack.yaml': PACK, 'site.yaml': 'macros:\n  site_allow: src.ip == "10.77.0.5"\n' });
  assert.notEqual(hash(macroChanged, 'many-ports'), hash(base, 'many-ports'));
  assert.equal(hash(macroChanged, 'hot-port'), hash(base, 'hot-port'));

  const nestedMacro = load({ 'pack.yaml': PACK, 'site.yaml': 'macros:\n  bare_syn: tcp.flags.syn && !tcp.flags.ack && !tcp.flags.rst\n' });
  assert.notEqual(hash(nestedMacro, 'many-ports'), hash(base, 'many-ports'));
  assert.notEqual(hash(nestedMacro, 'hot-port'), hash(base, 'hot-port'));

  const otherRuleEdited = load({ 'pack.yaml': PACK.replace('Flows, for hash isolation.', 'Flows, edited.') });
  assert.equal(hash(otherRuleEdited, 'many-ports'), hash(base, 'many-ports'));
  assert.notEqual(hash(otherRuleEdited, 'unrelated'), hash(base, 'unrelated'));
});

test('overrides replace keys, append to list keys and disable rules; a later override can enable again', () => {
  const site = `
overrides:
  - id: hot-port
    replace: { suppress: 1h, severity: high }
    append: { tags: [SITE], actions: [{ context.set: { name: scanner, key: "{{src.ip}}", ttl: "$lockout" } }] }
  - id: unrelated
    enabled: false
  - id: many-ports
    enabled: false
`;
  const rs = load({ 'pack.yaml': PACK, 'site.yaml': site, 'later.yaml': 'overrides:\n  - id: many-ports\n    enabled: true\n' });
  const hot = rule(rs, 'hot-port');
  assert.equal(hot.params.suppress, 3_600_000);
  assert.equal(hot.severity, 'high');
  assert.deepEqual(hot.tags, ['HOT_PORT', 'SITE']);
  assert.deepEqual(hot.actions.map((a) => a.plugin), ['context.set']);
  assert.equal(hot.actions[0].params.ttl instanceof Object && (hot.actions[0].params.ttl as CompiledTemplate).render({}), '1h', 'a whole "$var" param takes the var value');
  assert.equal((hot.actions[0].params.key as CompiledTemplate).render({ src: { ip: '10.77.0.9' } }), '10.77.0.9');
  assert.deepEqual(rs.rules.map((r) => r.id), ['many-ports', 'hot-port']);
  assert.deepEqual(rs.disabled?.map((r) => r.id), ['unrelated']);
});

test('lists are redefined by name and extended with name+; conditions see the final list', () => {
  const extended = load({ 'pack.yaml': PACK, 'site.yaml': 'lists:\n  hot_ports+: [8080]\n' });
  assert.deepEqual(extended.lists.hot_ports, [23, 2323, 8080]);
  const when = rule(extended, 'hot-port').when!;
  assert.equal(when.fn(syn(8080)), true);
  assert.equal(when.fn(syn(22)), false);
  const redefined = load({ 'pack.yaml': PACK, 'site.yaml': 'lists:\n  hot_ports: [22]\n' });
  assert.deepEqual(redefined.lists.hot_ports, [22]);
  assert.equal(rule(redefined, 'hot-port').when!.fn(syn(22)), true);
  assert.equal(rule(redefined, 'hot-port').when!.fn(syn(23)), false);
});

test('macros expand where named; a later file redefines one for rules of earlier files', () => {
  const base = load({ 'pack.yaml': PACK });
  assert.equal(rule(base, 'many-ports').when!.fn(syn(80)), true);
  const allowed = load({ 'pack.yaml': PACK, 'site.yaml': 'macros:\n  site_allow: src.ip == "10.77.0.9"\n' });
  assert.equal(rule(allowed, 'many-ports').when!.fn(syn(80)), false, 'the site allow-list macro now excludes the source');
  assert.equal(rule(allowed, 'many-ports').when!.fn({ ...syn(80), src: { ip: '10.77.0.8', port: 1 } }), true);
});

test('defaults: severity medium, max_keys 100000, one global key, no message, no limit', () => {
  const rs = load({ 'r.yaml': 'rules:\n  - id: bare\n    description: d\n    on: [flow]\n    type: single\n' });
  const r = rule(rs, 'bare');
  assert.equal(r.severity, 'medium');
  assert.equal(r.maxKeys, 100_000);
  assert.deepEqual(r.key.names, []);
  assert.equal(r.message, null);
  assert.equal(r.limit, null);
  assert.equal(r.when, null);
  assert.deepEqual(r.on, ['flow']);
  assert.deepEqual({ file: r.loc.file, line: r.loc.line, col: r.loc.col }, { file: 'r.yaml', line: 2, col: 5 });
});

test('key as a map of names to expressions, limit with a default notice, message template', () => {
  const rs = load({ 'r.yaml': `
rules:
  - id: keyed
    description: d
    on: [packet]
    type: single
    key: { privileged: "dst.port < 1024", port: dst.port }
    max_keys: 500
    limit: { count: 10, per: 1m }
    message: "{{rule}} {{src.ip}}:{{dst.port}}"
` });
  const r = rule(rs, 'keyed');
  assert.deepEqual(r.key.names, ['privileged', 'port']);
  assert.deepEqual(r.key.exprs.map((e) => e.fn(syn(443))), [true, 443]);
  assert.deepEqual(r.key.exprs.map((e) => e.fn(syn(8080))), [false, 8080]);
  assert.equal(r.maxKeys, 500);
  assert.deepEqual(r.limit, { count: 10, perMs: 60_000, notice: 'keyed: more than 10 hits per 1m; further hits dropped until the period ends' });
  assert.equal(r.message!.render({ ...syn(443), rule: 'keyed' }), 'keyed 10.77.0.9:443');
});

test('durations are strings with units; bare numbers and unknown units are refused', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('3s'), 3000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('8h'), 28_800_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  for (const bad of ['60', '', '10 minutes', 's', '5w', '-1s', '1s2']) assert.equal(parseDuration(bad), null, bad);
});

test('one pass reports problems of every file, even after a file with a YAML syntax error', () => {
  const r = loadRulesetFromText([
    { path: 'a.yaml', text: 'rules: [\n' },
    { path: 'b.yaml', text: 'rules:\n  - id: b\n    description: d\n    on: [packet]\n    type: single\n    suppres: 1m\n' },
  ], opts);
  assert.equal(r.ruleset, null);
  assert.deepEqual(r.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.code}`), ['a.yaml:2:1 VGL_YAML_SYNTAX', 'b.yaml:6:5 VGL_RULE_UNKNOWN_KEY']);
});

test('human and JSON forms of a diagnostic', () => {
  const r = loadRulesetFromText([{ path: 'rules/portscan.yaml', text: 'rules:\n  - id: syn-scan\n    description: d\n    on: [packet]\n    type: threshold\n    count: 5\n    window: 60\n' }], opts);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(formatDiagnostic(r.diagnostics[0]), [
    'rules/portscan.yaml:7:13 rule `syn-scan`: `window` must be a duration like "60s", got 60; write "60s" (or another unit: ms, s, m, h, d) [VGL_RULE_DURATION]',
    '7 |     window: 60',
    '  |             ^',
  ].join('\n'));
  assert.deepEqual(diagnosticToJson(r.diagnostics[0]), {
    code: 'VGL_RULE_DURATION', severity: 'error', file: 'rules/portscan.yaml', line: 7, col: 13, rule: 'syn-scan',
    message: '`window` must be a duration like "60s", got 60; write "60s" (or another unit: ms, s, m, h, d)',
    title: 'Invalid duration', docs: 'errors.md#vgl_rule_duration',
  });
});

test('files load directory by directory, each sorted by path in byte order, skipping tests folders and hidden files', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
  try {
    const pack = join(root, 'pack');
    const site = join(root, 'site');
    for (const d of [pack, join(pack, 'sub'), join(pack, 'tests', 'case'), site]) mkdirSync(d, { recursive: true });
    const r = (id: string) => `rules:\n  - id: ${id}\n    description: d\n    on: [packet]\n    type: single\n`;
    writeFileSync(join(pack, 'b.yaml'), r('in-b'));
    writeFileSync(join(pack, 'a.yml'), r('in-a'));
    writeFileSync(join(pack, 'Z.yaml'), r('in-z'));
    writeFileSync(join(pack, 'sub', 'c.yaml'), r('in-c'));
    writeFileSync(join(pack, 'tests', 'case', 'expected.yaml'), '- rule: in-b\n');
    writeFileSync(join(pack, '.draft.yaml'), 'not: [valid');
    writeFileSync(join(pack, 'notes.txt'), 'not a rule file');
    writeFileSync(join(site, '00-site.yaml'), 'overrides:\n  - id: in-c\n    enabled: false\n');
    const res = loadRuleset([pack, site], opts);
    assert.deepEqual(res.diagnostics, []);
    assert.ok(res.ruleset);
    assert.deepEqual(res.ruleset.files, ['Z.yaml', 'a.yml', 'b.yaml', 'sub/c.yaml'].map((f) => join(pack, f)).concat(join(site, '00-site.yaml')));
    assert.deepEqual(res.ruleset.rules.map((x) => x.id), ['in-z', 'in-a', 'in-b']);
    const rows = listRules(res.ruleset);
    assert.deepEqual(rows.map((x) => [x.id, x.enabled, x.where]), [
      ['in-z', true, `${join(pack, 'Z.yaml')}:2`], ['in-a', true, `${join(pack, 'a.yml')}:2`],
      ['in-b', true, `${join(pack, 'b.yaml')}:2`], ['in-c', false, `${join(pack, 'sub', 'c.yaml')}:2`],
    ]);
    assert.match(formatRuleList(rows).split('\n')[0], /^ID\s+TYPE\s+ON\s+SEVERITY\s+ENABLED\s+TAGS\s+WHERE$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a rules directory that does not exist is an error naming it', () => {
  const r = loadRuleset(['no/such/rules-dir'], opts);
  assert.equal(r.ruleset, null);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.loc.file, d.message]), [[
    'VGL_FILE_READ', 'no/such/rules-dir', 'rules directory `no/such/rules-dir` cannot be read: it does not exist; check the path given in the config or on the command line',
  ]]);
});

test('the file-shape example of docs/rules.md loads as written', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rules.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## File shape'));
  const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example, 'the section has a yaml example');
  const rs = load({ 'docs/rules.md': example });
  assert.deepEqual(rs.rules.map((r) => [r.id, r.tags]), [['syn-to-hot-port', ['HOT_PORT', 'SITE']]]);
  assert.deepEqual(rs.disabled?.map((r) => r.id), ['resets-seen']);
});

test('the hash ignores how the YAML is written (key order, flow or block style) but not what it says', () => {
  const block = 'rules:\n  - id: r\n    description: d\n    on: [packet]\n    type: single\n    suppress: 1m\n    tags: [A, B]\n';
  const flow = 'rules: [{ tags: [A, B], suppress: 1m, type: single, on: [packet], description: d, id: r }]\n';
  const h = (text: string) => rule(load({ 'x.yaml': text }), 'r').hash;
  assert.equal(h(flow), h(block));
  assert.notEqual(h(block.replace('[A, B]', '[B, A]')), h(block), 'tag order is part of the rule');
  assert.notEqual(h(block), h(block + 'overrides:\n  - id: r\n    replace: { suppress: 2m }\n'), 'an override changes the hash');
});

test('an action with `if:` is kept or dropped once at load, from vars; a later file flipping the var changes the rule and its hash', () => {
  const pack = `
vars: { enforce: true }
rules:
  - id: hot
    description: one probe of a hot port
    on: [packet]
    when: dst.port == 23
    type: single
    actions:
      - block: { address: "{{src.ip}}", duration: "1h" }
        if: $enforce
      - log: {}
        if: "!$enforce"
`;
  const enforcing = rule(load({ 'a.yaml': pack }), 'hot');
  assert.deepEqual(enforcing.actions.map((a) => a.plugin), ['block']);
  const reporting = rule(load({ 'a.yaml': pack, 'b.yaml': 'vars: { enforce: false }\n' }), 'hot');
  assert.deepEqual(reporting.actions.map((a) => a.plugin), ['log']);
  assert.notEqual(enforcing.hash, reporting.hash);
});

test('errors inside folded and multi-line quoted scalars point at the line and column where the mistake is written', () => {
  const text = [
    'macros:',
    '  probe: >-',
    '    tcp.flags.syn &&',
    '    dst.prot > 0',
    'rules:',
    '  - id: folded',
    '    description: d',
    '    on: [packet]',
    '    when: >-',
    '      dst.port > 1 &&',
    '      tcp.flags.synn',
    '    type: single',
    '    message: "hello',
    '      {{ src.ipp }}"',
    '',
  ].join('\n');
  const r = loadRulesetFromText([{ path: 'site.yaml', text }], opts);
  const at = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.line}:${d.loc.col} ${d.code}`).sort();
  assert.deepEqual(at, ['11:7 VGL_EXPR_UNKNOWN_FIELD', '14:10 VGL_EXPR_UNKNOWN_FIELD', '4:5 VGL_EXPR_UNKNOWN_FIELD']);
});
