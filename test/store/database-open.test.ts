/**
 * vigil.db that vigil cannot use: the error names the file and what to do,
 * and no handle is left open on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, DB_FILE, SCHEMA_VERSION } from '../../src/core/store/database.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-open-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a vigil.db that is not SQLite is refused with the file named, the SQLite code kept and the fix given', (t) => {
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, DB_FILE);
  writeFileSync(file, 'not a database: a config file copied to the wrong name, long enough to fill a header page\n'.repeat(20));
  for (const open of [() => openDatabase(dir), () => new SqliteKeyMemory(file)]) {
    assert.throws(open, (e: Error & { code?: string }) =>
      e.code === 'SQLITE_NOTADB' && e.message.includes(file) && /move it aside/.test(e.message));
  }
});

test('a vigil.db written by a newer vigil is refused, naming the file and both schema versions', (t) => {
  const dir = tempDir(t);
  openDatabase(dir).close();
  const file = join(dir, DB_FILE);
  const newer = new Database(file);
  newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  newer.close();
  for (const open of [() => openDatabase(dir), () => new SqliteKeyMemory(file)]) {
    assert.throws(open, (e: Error) => e.message.includes(file) && e.message.includes(`schema version ${SCHEMA_VERSION + 1}`) && /newer vigil/.test(e.message));
  }
  const after = new Database(file);
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1, 'the refused file is left as it was');
});
