import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTestCase, TestCaseError } from '../../src/core/rules/test-case.ts';
import { loadRulesetFromText } from '../../src/core/rules/load.ts';
import { listRuleFiles } from '../../src/core/rules/files.ts';
import { formatDiagnostic } from '../../src/core/rules/diagnostics.ts';
import { STOCK_ACTIONS } from './helpers.ts';

function caseDir(caseYaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-case-'));
  writeFileSync(join(dir, 'events.jsonl'), '{"kind":"tick","ts":0}\n');
  writeFileSync(join(dir, 'expected.yaml'), '[]\n');
  writeFileSync(join(dir, 'case.yaml'), caseYaml);
  return dir;
}

test('case.yaml `listen` reads ports the way the config writes them ("53/udp"), and the older "udp/53"', (t) => {
  const dir = caseDir('listen: [22, "80/tcp", "53/udp", "udp/123"]\n');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tc = readTestCase('listen', dir);
  assert.deepEqual([...tc.host.listening.tcp].sort((a, b) => a - b), [22, 80]);
  assert.deepEqual([...tc.host.listening.udp].sort((a, b) => a - b), [53, 123]);
});

test('a `listen` item that is not a port names the file and both accepted forms', (t) => {
  const dir = caseDir('listen: ["dns"]\n');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(() => readTestCase('listen', dir), (e: unknown) => e instanceof TestCaseError
    && e.message === `${join(dir, 'case.yaml')}: \`listen\` items are ports like 22 or "53/udp", got "dns"`);
});

test('the case.yaml example of docs/rules.md is a valid case of the stock portscan pack', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'rules.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Testing rules'));
  const example = /```yaml\n(# case\.yaml[\s\S]*?)```/.exec(section)?.[1];
  assert.ok(example, 'the section has a case.yaml example');
  const dir = caseDir(example);
  try {
    const tc = readTestCase('doc', dir);
    assert.ok(tc.overlay, 'it changes lists or macros');
    const texts = listRuleFiles([join(import.meta.dirname, '..', '..', 'rules', 'portscan')]).files.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    const r = loadRulesetFromText(texts, { actions: STOCK_ACTIONS, varOverrides: tc.vars, caseOverlay: tc.overlay });
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
    assert.deepEqual(r.ruleset?.lists.hot_ports, [8080]);
    assert.equal(r.ruleset?.vars.port_scan_threshold, 10);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
