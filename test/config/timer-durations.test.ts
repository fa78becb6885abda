/**
 * docs/config.md and docs/cli.md (`vigil config check`): bad values are
 * errors located at file:line:column that say what is expected; a config
 * `config check` accepts is one `vigil run` can run.
 *
 * Durations feed setInterval/setTimeout: 0 re-runs the job back to back, and
 * anything over 2^31-1 ms (about 24.8 days) is turned into 1 ms by Node
 * (TimeoutOverflowWarning). Either way `vigil run` spins a CPU core
 * re-reading host facts (host.refresh) or polling /proc (procnet interval).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from '../cli/run-cli.ts';

function check(t: { after(fn: () => void): void }, yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r3-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, yaml);
  return { file, ...vigil(['config', 'check', file], { cwd: dir }) };
}

for (const value of ['0s', '30d']) {
  test(`config check refuses host.refresh: ${value} (a timer of 0 or over 24.8 days spins vigil run), located`, (t) => {
    const r = check(t, `data_dir: data\nrules:\n  stock: false\nhost:\n  refresh: ${value}\n`);
    assert.equal(r.code, 1, `accepted: ${r.stdout}${r.stderr}`);
    assert.ok((r.stdout + r.stderr).includes(`${r.file}:5:12`), r.stdout + r.stderr);
  });
}

test('config check refuses a procnet interval of 30d (Node turns it into a 1 ms poll), located', (t) => {
  const r = check(t, 'data_dir: data\nrules:\n  stock: false\ninputs:\n  - use: procnet\n    interval: 30d\n');
  assert.equal(r.code, 1, `accepted: ${r.stdout}${r.stderr}`);
  assert.ok((r.stdout + r.stderr).includes(`${r.file}:6:15`), r.stdout + r.stderr);
});

test('a host.listen entry of the wrong type says what is expected, not just "Invalid input"', (t) => {
  const r = check(t, 'data_dir: data\nrules:\n  stock: false\nhost:\n  listen: [22.5, true]\n');
  assert.equal(r.code, 1);
  const lines = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('host.listen'));
  assert.equal(lines.length, 2, r.stdout + r.stderr);
  for (const l of lines) {
    assert.doesNotMatch(l, /Invalid input/, l);
    assert.match(l, /22|port/, l);
  }
});
