/**
 * SQLite KeyMemory for first_seen: keys survive restarts. WAL journal,
 * synchronous=NORMAL; sightings are answered from a write-behind buffer and
 * the database, and written in batches (every `batchSize` sightings or when
 * event time moved `flushEveryMs` past the last write, and on close), so the
 * hot path does one indexed read for keys not seen recently and no write.
 * A crash loses at most the unflushed batch: those keys may be reported once
 * more after restart, never missed.
 *
 * Bounded on disk: each write of a batch then deletes a rule's least recently
 * seen rows beyond its `maxKeys` (counted as evictions), so between writes a
 * rule holds at most one batch more than its cap. For a rule with
 * `forget_after`, rows silent for longer are deleted at most once per
 * `purgeEveryMs` of event time, `deleteChunk` rows at a time (a longer
 * backlog continues at the next write). Both deletions walk an index on
 * (rule, last_ts), so their cost is the rows deleted, not the table size.
 * Rows of a rule no longer loaded are left as they are, bounded by what it
 * held, so re-enabling it remembers.
 */
import Database from 'better-sqlite3';
import type { KeyMemory, MemoryBound, RuleMemory } from './types/api.ts';
import { PURGE_CHUNK, PURGE_EVERY_MS } from './memory.ts';

export interface SqliteKeyMemoryOptions {
  readonly batchSize?: number;
  readonly flushEveryMs?: number;
  /** Delete forgotten rows of a rule at most once per this much event time (default 5 minutes). */
  readonly purgeEveryMs?: number;
  /** Rows deleted per rule per write at most, by the cap or by forgetting (default 10,000, at least 2 × batchSize). */
  readonly deleteChunk?: number;
}

interface Sighting { first: number; last: number }

interface RuleState {
  readonly rule: string;
  bound: MemoryBound;
  /** Keys the rule holds: rows on disk plus buffered new keys. */
  keys: number;
  readonly pending: Map<string, Sighting>;
  nextPurgeAt: number;
}

export class SqliteKeyMemory implements KeyMemory {
  readonly db: Database.Database;
  private readonly get: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly countRows: Database.Statement;
  private readonly trimOldest: Database.Statement;
  private readonly purgeSilent: Database.Statement;
  private readonly rules = new Map<string, RuleState>();
  private pendingCount = 0;
  private readonly batchSize: number;
  private readonly flushEveryMs: number;
  private readonly purgeEveryMs: number;
  private readonly deleteChunk: number;
  private lastFlushTs = -Infinity;
  private readonly writeBatch: (ts: number | undefined) => Array<[MemoryBound, number]>;

  constructor(path: string, opts: SqliteKeyMemoryOptions = {}) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS vigil_first_seen (
      rule TEXT NOT NULL, key TEXT NOT NULL, first_ts REAL NOT NULL, last_ts REAL NOT NULL,
      PRIMARY KEY (rule, key)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS vigil_first_seen_by_last ON vigil_first_seen (rule, last_ts)`);
    this.get = this.db.prepare('SELECT first_ts AS first, last_ts AS last FROM vigil_first_seen WHERE rule = ? AND key = ?');
    this.upsert = this.db.prepare(`INSERT INTO vigil_first_seen (rule, key, first_ts, last_ts) VALUES (?, ?, ?, ?)
      ON CONFLICT (rule, key) DO UPDATE SET first_ts = excluded.first_ts, last_ts = excluded.last_ts`);
    this.countRows = this.db.prepare('SELECT count(*) AS n FROM vigil_first_seen WHERE rule = ?');
    this.trimOldest = this.db.prepare(`DELETE FROM vigil_first_seen WHERE rule = @rule AND key IN
      (SELECT key FROM vigil_first_seen WHERE rule = @rule ORDER BY last_ts, key LIMIT @n)`);
    this.purgeSilent = this.db.prepare(`DELETE FROM vigil_first_seen WHERE rule = @rule AND key IN
      (SELECT key FROM vigil_first_seen WHERE rule = @rule AND last_ts < @before ORDER BY last_ts LIMIT @n)`);
    this.batchSize = opts.batchSize ?? 1000;
    this.flushEveryMs = opts.flushEveryMs ?? 1000;
    this.purgeEveryMs = opts.purgeEveryMs ?? PURGE_EVERY_MS;
    this.deleteChunk = Math.max(opts.deleteChunk ?? PURGE_CHUNK, 2 * this.batchSize);
    this.writeBatch = this.db.transaction((ts: number | undefined) => this.writeAndBound(ts));
  }

  forRule(rule: string, bound: MemoryBound): RuleMemory {
    let s = this.rules.get(rule);
    if (s === undefined) {
      const n = (this.countRows.get(rule) as { n: number }).n;
      this.rules.set(rule, (s = { rule, bound, keys: n, pending: new Map(), nextPurgeAt: -Infinity }));
    } else s.bound = bound;
    const state = s;
    return { seen: (key, ts) => this.seen(state, key, ts), size: () => state.keys };
  }

  private seen(s: RuleState, key: string, ts: number): boolean {
    const forget = s.bound.forgetAfterMs;
    let known: boolean;
    const p = s.pending.get(key);
    if (p !== undefined) {
      known = forget === null || ts - p.last <= forget;
      if (!known) p.first = ts;
      p.last = ts;
    } else {
      const row = this.get.get(s.rule, key) as Sighting | undefined;
      if (row === undefined) s.keys++;
      known = row !== undefined && (forget === null || ts - row.last <= forget);
      s.pending.set(key, { first: known ? row!.first : ts, last: ts });
      this.pendingCount++;
    }
    if (this.lastFlushTs === -Infinity) this.lastFlushTs = ts;
    if (this.pendingCount >= this.batchSize || ts - this.lastFlushTs >= this.flushEveryMs) this.flush(ts);
    return known;
  }

  /**
   * Write buffered sightings in one transaction, then bring each rule back
   * within its cap and (when `ts`, the event time, is given and a purge is
   * due) delete its forgotten rows.
   */
  flush(ts?: number): void {
    const evictions = this.writeBatch(ts);
    if (ts !== undefined) this.lastFlushTs = ts;
    for (const [bound, n] of evictions) bound.evicted(n);
  }

  private writeAndBound(ts: number | undefined): Array<[MemoryBound, number]> {
    const evictions: Array<[MemoryBound, number]> = [];
    for (const s of this.rules.values()) {
      for (const [key, p] of s.pending) this.upsert.run(s.rule, key, p.first, p.last);
      s.pending.clear();
      const over = s.keys - s.bound.maxKeys;
      if (over > 0) {
        const n = this.trimOldest.run({ rule: s.rule, n: Math.min(over, this.deleteChunk) }).changes;
        s.keys -= n;
        if (n > 0) evictions.push([s.bound, n]);
      }
      const forget = s.bound.forgetAfterMs;
      if (ts !== undefined && forget !== null && ts >= s.nextPurgeAt) {
        const n = this.purgeSilent.run({ rule: s.rule, before: ts - forget, n: this.deleteChunk }).changes;
        s.keys -= n;
        s.nextPurgeAt = n === this.deleteChunk ? ts : ts + this.purgeEveryMs;
      }
    }
    this.pendingCount = 0;
    return evictions;
  }

  /** Delete keys of `rule` not seen since `before` (all of them, at once). */
  purge(rule: string, before: number): number {
    this.flush();
    const n = this.db.prepare('DELETE FROM vigil_first_seen WHERE rule = ? AND last_ts < ?').run(rule, before).changes;
    const s = this.rules.get(rule);
    if (s) s.keys -= n;
    return n;
  }

  close(): void { this.flush(); this.db.close(); }
}
