import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTestCase, TestCaseError } from '../../src/core/rules/test-case.ts';

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
