/**
 * Rule directories with symlink cycles. files.ts walks every directory with
 * statSync (which follows links) and has no memory of where it has been: a
 * link back to an ancestor is walked again, about 40 levels deep (until the
 * kernel's ELOOP), reading every rule file again at each level. With two
 * such links the walk is 2^40 paths long: `vigil rules check`, `run` and
 * `replay` (and every hot reload) hang. A cycle should be reported, located,
 * or skipped, and each file read once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/run-cli.ts';
import { listRuleFiles } from '../../src/core/rules/files.ts';

const RULE = 'rules:\n  - id: one\n    description: d.\n    on: [packet]\n    type: single\n';

test('a rules directory holding a link to itself lists each rule file once', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.yaml'), RULE);
  symlinkSync('.', join(dir, 'again'));
  const r = listRuleFiles([dir]);
  // Before the fix: a.yaml, again/a.yaml, again/again/a.yaml, … 40 copies, then VGL_RULE_DUPLICATE_ID 39 times.
  assert.ok(r.files.length <= 1, `${r.files.length} files listed: ${r.files.slice(0, 3).join(', ')}, …`);
});

test('listing a directory with two links to itself ends instead of hanging', { timeout: 30_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'site'));
  writeFileSync(join(dir, 'site', 'a.yaml'), RULE);
  symlinkSync('..', join(dir, 'site', 'up'));
  symlinkSync('.', join(dir, 'site', 'here'));
  // The walk is synchronous, so it runs in a child (what `vigil rules check DIR` does first);
  // spawnSync kills the child it started once the timeout passes.
  const code = `import { listRuleFiles } from ${JSON.stringify(join(ROOT, 'src/core/rules/files.ts'))};
    const r = listRuleFiles([${JSON.stringify(dir)}]); console.log(r.files.length);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 4_000, killSignal: 'SIGKILL' });
  assert.notEqual(r.signal, 'SIGKILL', 'listing the rule files did not finish within 4 s (vigil rules check, run and replay hang the same way)');
  assert.equal(r.status, 0, r.stderr.slice(0, 300));
});
