/**
 * A data dir whose vigil.db is damaged inside (a bad sector, a torn copy):
 * the header is fine, so openDatabase succeeds, and the first read of the
 * first_seen rows fails. That read is SqliteKeyMemory.refill, reached from
 * Engine.load in src/cli/actions/run.ts outside any try: `vigil run` dies
 * with "vigil: SqliteError: database disk image is malformed" and a stack
 * trace, naming neither the file nor what to do (the clear message run.ts
 * gives for a database that cannot be opened at all is never reached).
 * Under systemd (Restart=on-failure) that is a crash loop with no hint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../cli/run-cli.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';
import { openDatabase, DB_FILE } from '../../src/core/store/database.ts';

/** Overwrite a few whole pages in the middle of the file with fixed pseudo-random bytes. */
function damage(path: string): void {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  try {
    let x = 0x2545f491;
    for (const frac of [0.3, 0.5, 0.7]) {
      const page = Buffer.alloc(4096);
      for (let i = 0; i < page.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; page[i] = x & 255; }
      writeSync(fd, page, 0, page.length, Math.floor((size * frac) / 4096) * 4096);
    }
  } finally { closeSync(fd); }
}

test('vigil run on a damaged vigil.db ends with a message naming the database, not a stack trace', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-r2-db-'));
  const data = join(dir, 'data');
  let child: ReturnType<typeof spawn> | null = null;
  t.after(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  openDatabase(data).close();
  const m = new SqliteKeyMemory(join(data, DB_FILE));
  const learner = m.forRule('learner-new-peer', { maxKeys: 100_000, forgetAfterMs: null, evicted() {} });
  for (let i = 0; i < 30_000; i++) learner.seen(`10.${(i >> 8) & 255}.${i & 255}.1`, 1_000 + i);
  m.close();
  damage(join(data, DB_FILE));
  writeFileSync(join(dir, 'vigil.yaml'), 'data_dir: data\nlog: { level: warn }\ninputs:\n  - use: procnet\n');

  child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'run', '--config', join(dir, 'vigil.yaml')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  const code = await new Promise<number | null>((resolve) => {
    // Whether it refuses to start or carries on without the damaged memory, 8 s is plenty to say so.
    const guard = setTimeout(() => { child!.kill('SIGTERM'); }, 8_000);
    child!.on('exit', (c) => { clearTimeout(guard); resolve(c); });
  });
  assert.doesNotMatch(stderr, /\n\s+at .*\.(ts|js):\d+/, `a stack trace (exit ${code}):\n${stderr.slice(0, 600)}`);
  assert.ok(stderr.includes(join(data, DB_FILE)) || stderr.includes(data), `the database is named:\n${stderr.slice(0, 600)}`);
});
