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
  if (dataDir === null) {
    const db = new Database(':memory:');
    ensureMigrationsTable(db);
    return db;
  }
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, DB_FILE);
  return openFile(file, 5000, (db) => {
    db.pragma('synchronous = NORMAL');
    ensureMigrationsTable(db);
  });
}

/**
 * The layout version of vigil.db (`PRAGMA user_version`). A vigil that
 * changes the layout in a way an older one would misread raises it, so the
 * older one refuses the file instead of writing into tables it does not know.
 */
export const SCHEMA_VERSION = 1;

/**
 * Open `file` in WAL mode, check its schema version and run `setup`. Every
 * failure closes the handle (a half-open one would keep the file locked) and
 * is thrown as a SqliteError that keeps SQLite's code but names the file and
 * what to do, because SQLite's own text ("file is not a database") names
 * neither.
 */
export function openFile(file: string, busyTimeoutMs: number, setup: (db: Db) => void = () => {}): Db {
  let db: Db | null = null;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
    // The version before anything else: switching to WAL rewrites the header of a file that may not be ours to change.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Database.SqliteError(`${file} was written by a newer vigil (schema version ${version}, this vigil knows up to ${SCHEMA_VERSION}); run that newer vigil, or move the file aside to start with an empty memory`, 'VIGIL_SCHEMA_NEWER');
    }
    db.pragma('journal_mode = WAL');
    if (version < SCHEMA_VERSION && !db.readonly) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    setup(db);
    return db;
  } catch (e) {
    try { db?.close(); } catch { /* the open error is the one that matters */ }
    throw nameFile(file, e);
  }
}

function nameFile(file: string, e: unknown): unknown {
  if (!(e instanceof Database.SqliteError) || e.message.includes(file)) return e;
  const code = e.code;
  const fix = code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
    ? 'it is not a vigil database or it is damaged; move it aside (vigil then starts with an empty memory)'
    : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
      ? 'another process holds it locked (another vigil with the same data_dir?); stop that process'
      : code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM')
        ? 'vigil must be able to write the file and its directory; check their owner and permissions'
        : 'check the file, its directory and their permissions';
  return new Database.SqliteError(`${file}: ${e.message} (${code}); ${fix}`, code);
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
