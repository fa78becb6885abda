/**
 * SQLite KeyMemory for first_seen: keys survive restarts. WAL journal,
 * synchronous=NORMAL; sightings are answered from a write-behind buffer and
 * the database, and written in batches (every `batchSize` sightings or when
 * event time moved `flushEveryMs` past the last write, and on close), so the
 * hot path does one indexed read for keys not seen recently and no write.
 * A crash loses at most the unflushed batch: those keys may be reported once
 * more after restart, never missed.
 */
import Database from 'better-sqlite3';
import type { KeyMemory } from './types/api.ts';

export interface SqliteKeyMemoryOptions {
  readonly batchSize?: number;
  readonly flushEveryMs?: number;
}

export class SqliteKeyMemory implements KeyMemory {
  readonly db: Database.Database;
  private readonly get: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly pending = new Map<string, { rule: string; key: string; first: number; last: number }>();
  private readonly batchSize: number;
  private readonly flushEveryMs: number;
  private lastFlushTs = -Infinity;
  private readonly writeBatch: (rows: { rule: string; key: string; first: number; last: number }[]) => void;

  constructor(path: string, opts: SqliteKeyMemoryOptions = {}) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS vigil_first_seen (
      rule TEXT NOT NULL, key TEXT NOT NULL, first_ts REAL NOT NULL, last_ts REAL NOT NULL,
      PRIMARY KEY (rule, key)) WITHOUT ROWID`);
    this.get = this.db.prepare('SELECT first_ts AS first, last_ts AS last FROM vigil_first_seen WHERE rule = ? AND key = ?');
    this.upsert = this.db.prepare(`INSERT INTO vigil_first_seen (rule, key, first_ts, last_ts) VALUES (@rule, @key, @first, @last)
      ON CONFLICT (rule, key) DO UPDATE SET first_ts = excluded.first_ts, last_ts = excluded.last_ts`);
    this.writeBatch = this.db.transaction((rows) => { for (const r of rows) this.upsert.run(r); });
    this.batchSize = opts.batchSize ?? 1000;
    this.flushEveryMs = opts.flushEveryMs ?? 1000;
  }

  seen(rule: string, key: string, ts: number, forgetAfterMs: number | null): boolean {
    const k = rule + '\u0000' + key;
    let prev = this.pending.get(k);
    if (!prev) {
      const row = this.get.get(rule, key) as { first: number; last: number } | undefined;
      if (row) prev = { rule, key, first: row.first, last: row.last };
    }
    const known = prev !== undefined && (forgetAfterMs === null || ts - prev.last <= forgetAfterMs);
    this.pending.set(k, { rule, key, first: known ? prev!.first : ts, last: ts });
    if (this.lastFlushTs === -Infinity) this.lastFlushTs = ts;
    if (this.pending.size >= this.batchSize || ts - this.lastFlushTs >= this.flushEveryMs) this.flush(ts);
    return known;
  }

  /** Write buffered sightings in one transaction. */
  flush(ts?: number): void {
    if (this.pending.size) { this.writeBatch([...this.pending.values()]); this.pending.clear(); }
    if (ts !== undefined) this.lastFlushTs = ts;
  }

  /** Delete keys of `rule` not seen since `before` (keeps the table bounded for rules with forget_after). */
  purge(rule: string, before: number): number {
    this.flush();
    return this.db.prepare('DELETE FROM vigil_first_seen WHERE rule = ? AND last_ts < ?').run(rule, before).changes;
  }

  close(): void { this.flush(); this.db.close(); }
}
