/**
 * first_seen memory across a crash: a vigil process killed with SIGKILL
 * after the network went quiet. The keys it learned must be on disk by then
 * (written on a wall-time timer, not only when the next event comes), the
 * file must be intact, and the keys are not reported again after restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';
import { runFixture, until } from '../store/fixtures/child.ts';

const rowsIn = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try { return (db.prepare('SELECT count(*) AS n FROM vigil_first_seen').get() as { n: number }).n; } finally { db.close(); }
};

test('keys learned before the traffic stopped are written while idle, survive SIGKILL, and are not reported again', { timeout: 30_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'vigil.db');
  // Fewer than a batch, within one flush interval of event time: only a timer can write them.
  const learner = runFixture(t, 'learner.ts', [file, '300']);
  await learner.line((l) => l === 'learned 300');
  await until(() => { try { return rowsIn(file) === 300; } catch { return false; } }, 10_000, 'the idle learner to write its 300 keys');
  await learner.kill();

  const memory = new SqliteKeyMemory(file);
  t.after(() => memory.close());
  assert.equal((memory.db.pragma('integrity_check', { simple: true })), 'ok');
  const rule = memory.forRule('new-peer', { maxKeys: 100_000, forgetAfterMs: null, evicted() {} });
  assert.equal(rule.size(), 300);
  const reportedAgain = Array.from({ length: 300 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).filter((k) => !rule.seen(k, 5_000));
  assert.deepEqual(reportedAgain, []);
});
