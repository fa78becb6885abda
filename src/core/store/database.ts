/**
 * The one SQLite database of a vigil data dir: `<dataDir>/vigil.db`.
 * Components that need tables (the plugin key/value store, the engine's
 * first_seen memory and persistent contexts, the action outbox) open it
 * through here and create their tables with `migrate`, so schema changes
 * are applied exactly once and recorded.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

export const DB_FILE = 'vigil.db';

/**
 * Open (creating dir and file on demand) with WAL and synchronous=NORMAL:
 * durable across crashes, fast commits. `null` opens a private in-memory
 * database (replay and tests: nothing outlives the process).
 */
export function openDatabase(dataDir: string | null): Db {
  let db: Db;
  if (dataDir === null) db = new Database(':memory:');
  else {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(join(dataDir, DB_FILE));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
  }
  ensureMigrationsTable(db);
  return db;
}

function ensureMigrationsTable(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
}

/**
 * Apply `sql` once under the id `id` (e.g. `"kv/1"`, `"engine/first_seen/1"`).
 * Ids are never reused; a later change to a table is a new id.
 * Returns true when it ran now, false when it had run before.
 */
export function migrate(db: Db, id: string, sql: string): boolean {
  ensureMigrationsTable(db);
  const done = db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?').get(id);
  if (done) return false;
  db.transaction(() => {
    db.exec(sql);
    db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(id, Date.now());
  })();
  return true;
}

/** Migration ids applied so far, in order of application. */
export function appliedMigrations(db: Db): string[] {
  return (db.prepare('SELECT id FROM schema_migrations ORDER BY rowid').all() as Array<{ id: string }>).map((r) => r.id);
}
