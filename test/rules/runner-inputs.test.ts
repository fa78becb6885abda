/**
 * `vigil rules test` with a case whose input cannot be read. readInputs
 * (src/core/rules/test-runner.ts) turns bad JSON, captures it cannot decode
 * and a missing expected.yaml into that case's ERROR, but rethrows anything
 * else from readFileSync: an events.jsonl that is a dangling symlink (or a
 * directory, or unreadable) aborts the whole run. No other case is reported,
 * the CLI prints "vigil: Error: ENOENT …" with a stack trace and exits 3,
 * where docs/cli.md says failed cases mean exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuleTests, ruleTestExitCode } from '../../src/core/rules/test-runner.ts';

const RULE = 'rules:\n  - id: any-packet\n    description: d.\n    on: [packet]\n    type: single\n    key: [src.ip]\n';
const EVENT = JSON.stringify({ ts: 1_767_225_600_000, kind: 'packet', proto: 'tcp', src: { ip: '10.77.0.9', port: 40000 }, dst: { ip: '10.77.0.2', port: 22 } });

test('a case whose events.jsonl cannot be read is that case\'s error; the other cases still run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-cases-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'rules.yaml'), RULE);
  const broken = join(dir, 'tests', 'a-broken');
  const good = join(dir, 'tests', 'b-good');
  mkdirSync(broken, { recursive: true });
  mkdirSync(good, { recursive: true });
  symlinkSync(join(dir, 'no-such-file.jsonl'), join(broken, 'events.jsonl'));
  writeFileSync(join(broken, 'expected.yaml'), '[]\n');
  writeFileSync(join(good, 'events.jsonl'), EVENT + '\n');
  writeFileSync(join(good, 'expected.yaml'), '- rule: any-packet\n  ts: 2026-01-01T00:00:00Z\n  src: 10.77.0.9\n');
  // Before the fix: rejects with "ENOENT: no such file or directory, open '…/a-broken/events.jsonl'".
  const report = await runRuleTests([dir]);
  const byName = new Map(report.cases.map((c) => [c.name.split('/').pop(), c]));
  assert.equal(byName.get('a-broken')?.status, 'error');
  assert.ok(byName.get('a-broken')!.problems.some((p) => p.includes('events.jsonl')), JSON.stringify(byName.get('a-broken')!.problems));
  assert.equal(byName.get('b-good')?.status, 'pass');
  assert.equal(ruleTestExitCode(report), 1);
});
