/**
 * Every table in vigil.db is made by a recorded migration, so a later
 * layout change knows what a file holds. Files written before the record
 * existed (tables there, no record) are adopted, rows kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { appliedMigrations, openDatabase, DB_FILE } from '../../src/core/store/database.ts';
import { ContextStore } from '../../src/core/engine/contexts.ts';
import { SqliteKeyMemory } from '../../src/core/engine/memory-sqlite.ts';

test('a vigil.db whose contexts and first_seen tables predate the migration record is adopted, its rows kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-migrations-'));
  try {
    const file = join(dir, DB_FILE);
    const old = new Database(file);
    old.exec(`CREATE TABLE vigil_contexts (name TEXT NOT NULL, key TEXT NOT NULL, expires REAL NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID;
      INSERT INTO vigil_contexts VALUES ('scanner', '10.77.0.9', 9e15);
      CREATE TABLE vigil_first_seen (rule TEXT NOT NULL, key TEXT NOT NULL, first_ts REAL NOT NULL, last_ts REAL NOT NULL, PRIMARY KEY (rule, key)) WITHOUT ROWID;
      INSERT INTO vigil_first_seen VALUES ('learner', '10.77.0.9', 1000, 1000);`);
    old.close();

    const db = openDatabase(dir);
    const contexts = new ContextStore({ db }, 2000);
    assert.equal(contexts.has('scanner', '10.77.0.9', 2000), true, 'the persistent context read back');
    const memory = new SqliteKeyMemory(file);
    const learner = memory.forRule('learner', { maxKeys: 100, forgetAfterMs: null, evicted: () => {} });
    assert.equal(learner.seen('10.77.0.9', 3000), true, 'the remembered peer is not new');
    memory.close();
    assert.deepEqual(appliedMigrations(db).filter((id) => id === 'contexts/1' || id === 'first_seen/1').sort(), ['contexts/1', 'first_seen/1']);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
