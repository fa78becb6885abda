/**
 * SQLite KeyMemory for first_seen: keys survive restarts. WAL journal,
 * synchronous=NORMAL; sightings are written in batches (every `batchSize`
 * sightings that must be written, or when event time moved `flushEveryMs`
 * past the last write, and on close). A crash loses at most the unwritten
 * sightings: those keys may be reported once more after restart, never
 * missed.
 *
 * The recently seen keys of each rule (at most `cacheKeys`) are also held in
 * memory with their sightings, so a returning key costs no read; only a key
 * not among them is looked up on disk. A returning key's new "last seen"
 * time is written lazily, once it is more than `refreshEveryMs` newer than
 * the one on disk, because rewriting a row (and its index entry) per
 * sighting is what a busy learner would otherwise spend its time on. Before
 * rows are deleted by age (the cap, `forget_after`), the lazily held times
 * of the keys whose rows could be among them are written first, and on close
 * all of them, so deletions see exact times and behave as if every sighting
 * had been written at once. A crash loses at most `refreshEveryMs` of "last
 * seen" precision besides.
 *
 * Bounded on disk: each write of a batch then deletes a rule's least recently
 * seen rows beyond its `maxKeys` (counted as evictions), so between writes a
 * rule holds at most one batch more than its cap. For a rule with
 * `forget_after`, rows silent for longer are deleted at most once per
 * `purgeEveryMs` of event time, `deleteChunk` rows at a time (a longer
 * backlog continues at the next write). Both deletions walk an index on
 * (rule, last_ts), so their cost is the rows deleted, not the table size,
 * and they drop the deleted keys from memory too. Rows of a rule no longer
 * loaded are left as they are, bounded by what it held, so re-enabling it
 * remembers.
 */
import Database from 'better-sqlite3';
import type { KeyMemory, MemoryBound, RuleMemory } from './types/api.ts';
import { PURGE_CHUNK, PURGE_EVERY_MS } from './memory.ts';
import { KeyFilter } from './key-filter.ts';

/**
 * Keys per rule up to which a filter of the keys on disk is kept (2 ×
 * max_keys of them, 4 bytes per key): a key it does not hold is new without
 * a disk lookup, which is what most keys of a flood are. Past it (a rule with
 * more than 2,000,000 keys), every key not held in memory is looked up.
 */
const FILTER_MAX_KEYS = 4_000_000;

export interface SqliteKeyMemoryOptions {
  readonly batchSize?: number;
  readonly flushEveryMs?: number;
  /** Delete forgotten rows of a rule at most once per this much event time (default 5 minutes). */
  readonly purgeEveryMs?: number;
  /** Rows deleted per rule per write at most, by the cap or by forgetting (default 10,000, at least 2 × batchSize). */
  readonly deleteChunk?: number;
  /** Recently seen keys held in memory per rule (default 65,536, at most the rule's max_keys). */
  readonly cacheKeys?: number;
  /** A returning key's "last seen" is rewritten once it is this much newer than on disk (default 60 s of event time). */
  readonly refreshEveryMs?: number;
}

interface Sighting { first: number; last: number }

/** A key held in memory: its sightings, and the `last` its row on disk has (-Infinity: no row yet). */
interface Held extends Sighting { disk: number }

interface RuleState {
  readonly rule: string;
  bound: MemoryBound;
  /** Keys the rule holds: rows on disk plus new keys not written yet. */
  keys: number;
  /** Recently seen keys, least recently seen first (a Map keeps insertion order; a sighting re-inserts). */
  readonly recent: Map<string, Held>;
  /** Sightings the next write must store: new keys, keys seen again after being forgotten, stale "last seen" times. */
  readonly due: Map<string, Held>;
  /** Keys in `recent` whose newer "last seen" waits (see refreshEveryMs); written before deletions by age. */
  readonly lazy: Map<string, Held>;
  nextPurgeAt: number;
  /** Every key on disk and every due key (and, until the next refill, some deleted ones); null: no filter. */
  filter: KeyFilter | null;
}

export class SqliteKeyMemory implements KeyMemory {
  readonly db: Database.Database;
  private readonly get: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly countRows: Database.Statement;
  private readonly trimOldest: Database.Statement;
  private readonly purgeSilent: Database.Statement;
  private readonly nthOldest: Database.Statement;
  private readonly ruleKeys: Database.Statement;
  /** Keys looked up on disk (not held in memory, and possibly stored): for metrics and tests. */
  lookups = 0;
  private readonly rules = new Map<string, RuleState>();
  private pendingCount = 0;
  private readonly batchSize: number;
  private readonly flushEveryMs: number;
  private readonly purgeEveryMs: number;
  private readonly deleteChunk: number;
  private readonly cacheKeys: number;
  private readonly refreshEveryMs: number;
  private lastFlushTs = -Infinity;
  /** A deletion stopped at its chunk: the next sighting writes (and deletes) again, due sightings or not. */
  private backlog = false;
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
      (SELECT key FROM vigil_first_seen WHERE rule = @rule ORDER BY last_ts, key LIMIT @n) RETURNING key`);
    this.purgeSilent = this.db.prepare(`DELETE FROM vigil_first_seen WHERE rule = @rule AND key IN
      (SELECT key FROM vigil_first_seen WHERE rule = @rule AND last_ts < @before ORDER BY last_ts LIMIT @n) RETURNING key`);
    this.nthOldest = this.db.prepare('SELECT last_ts AS t FROM vigil_first_seen WHERE rule = ? ORDER BY last_ts, key LIMIT 1 OFFSET ?');
    this.ruleKeys = this.db.prepare('SELECT key FROM vigil_first_seen WHERE rule = ?').pluck();
    this.batchSize = opts.batchSize ?? 1000;
    this.flushEveryMs = opts.flushEveryMs ?? 1000;
    this.purgeEveryMs = opts.purgeEveryMs ?? PURGE_EVERY_MS;
    this.deleteChunk = Math.max(opts.deleteChunk ?? PURGE_CHUNK, 2 * this.batchSize);
    this.cacheKeys = Math.max(1, opts.cacheKeys ?? 65_536);
    this.refreshEveryMs = opts.refreshEveryMs ?? 60_000;
    this.writeBatch = this.db.transaction((ts: number | undefined) => this.writeAndBound(ts));
  }

  forRule(rule: string, bound: MemoryBound): RuleMemory {
    let s = this.rules.get(rule);
    if (s === undefined) {
      this.rules.set(rule, (s = { rule, bound, keys: 0, recent: new Map(), due: new Map(), lazy: new Map(), nextPurgeAt: -Infinity, filter: null }));
      // The filter's fill reads every row once: it counts them too.
      s.keys = this.refill(s) ?? (this.countRows.get(rule) as { n: number }).n;
    } else {
      const resized = s.bound.maxKeys !== bound.maxKeys;
      s.bound = bound;
      if (resized) this.refill(s);
    }
    const state = s;
    return { seen: (key, ts) => this.seen(state, key, ts), size: () => state.keys };
  }

  private seen(s: RuleState, key: string, ts: number): boolean {
    const forget = s.bound.forgetAfterMs;
    let known: boolean;
    // A key that left memory with its sighting not yet written is still found among the due ones.
    let h = s.recent.get(key) ?? s.due.get(key);
    if (h !== undefined) {
      known = forget === null || ts - h.last <= forget;
      if (!known) h.first = ts;
      h.last = ts;
      if (!known || ts - h.disk > this.refreshEveryMs) this.makeDue(s, key, h);
      else if (!s.due.has(key)) s.lazy.set(key, h);
    } else {
      let row: Sighting | undefined;
      if (s.filter === null || s.filter.mightHave(key)) { this.lookups++; row = this.get.get(s.rule, key) as Sighting | undefined; }
      if (row === undefined) { s.keys++; s.filter?.add(key); }
      known = row !== undefined && (forget === null || ts - row.last <= forget);
      h = { first: known ? row!.first : ts, last: ts, disk: row === undefined ? -Infinity : row.last };
      this.makeDue(s, key, h);
    }
    this.remember(s, key, h);
    if (this.lastFlushTs === -Infinity) this.lastFlushTs = ts;
    if (this.pendingCount >= this.batchSize || ts - this.lastFlushTs >= this.flushEveryMs || this.backlog) this.flush(ts);
    return known;
  }

  /**
   * Build the rule's key filter afresh, sized for its max_keys: from the keys
   * on disk and the due keys not written yet (every other key held in memory
   * is on disk). Returns the rows read, or null when the rule keeps no filter. Done at start, when max_keys changes, and once the filter is
   * full, which is after at least max_keys new keys: a scan of at most
   * max_keys rows per max_keys new keys.
   */
  private refill(s: RuleState): number | null {
    const capacity = Math.max(1024, 2 * s.bound.maxKeys);
    if (capacity > FILTER_MAX_KEYS) { s.filter = null; return null; }
    if (s.filter === null || s.filter.capacity !== capacity) s.filter = new KeyFilter(capacity);
    else s.filter.clear();
    let rows = 0;
    for (const key of this.ruleKeys.iterate(s.rule) as IterableIterator<string>) { s.filter.add(key); rows++; }
    for (const key of s.due.keys()) s.filter.add(key);
    return rows;
  }

  /** Make the key the most recently seen in memory; past the cap the least recently seen leaves. */
  private remember(s: RuleState, key: string, h: Held): void {
    s.recent.delete(key);
    s.recent.set(key, h);
    if (s.recent.size <= Math.min(this.cacheKeys, s.bound.maxKeys)) return;
    const [oldKey, old] = s.recent.entries().next().value as [string, Held];
    s.recent.delete(oldKey);
    // A time it still owes the disk is written with the next batch.
    if (s.lazy.delete(oldKey)) this.makeDue(s, oldKey, old);
  }

  private makeDue(s: RuleState, key: string, h: Held): void {
    s.lazy.delete(key);
    if (s.due.has(key)) return;
    s.due.set(key, h);
    this.pendingCount++;
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

  private write(s: RuleState, held: Map<string, Held>): void {
    for (const [key, h] of held) { this.upsert.run(s.rule, key, h.first, h.last); h.disk = h.last; }
    held.clear();
  }

  /** Delete rows by a statement that returns their keys, and forget those keys in memory too. */
  private deleteRows(s: RuleState, stmt: Database.Statement, params: Record<string, unknown>): number {
    const gone = stmt.all(params) as { key: string }[];
    for (const { key } of gone) { s.recent.delete(key); s.lazy.delete(key); }
    s.keys -= gone.length;
    return gone.length;
  }

  private writeAndBound(ts: number | undefined): Array<[MemoryBound, number]> {
    const evictions: Array<[MemoryBound, number]> = [];
    this.backlog = false;
    for (const s of this.rules.values()) {
      this.write(s, s.due);
      if (ts === undefined) this.write(s, s.lazy);
      const over = s.keys - s.bound.maxKeys;
      if (over > 0) {
        const n = Math.min(over, this.deleteChunk);
        this.settleBefore(s, () => (this.nthOldest.get(s.rule, n - 1) as { t: number } | undefined)?.t, true);
        const gone = this.deleteRows(s, this.trimOldest, { rule: s.rule, n });
        if (gone > 0) evictions.push([s.bound, gone]);
        if (over > this.deleteChunk) this.backlog = true;
      }
      const forget = s.bound.forgetAfterMs;
      if (ts !== undefined && forget !== null && ts >= s.nextPurgeAt) {
        const before = ts - forget;
        this.settleBefore(s, () => before, false);
        const n = this.deleteRows(s, this.purgeSilent, { rule: s.rule, before, n: this.deleteChunk });
        s.nextPurgeAt = n === this.deleteChunk ? ts : ts + this.purgeEveryMs;
        if (n === this.deleteChunk) this.backlog = true;
      }
      if (s.filter?.full) this.refill(s);
    }
    this.pendingCount = 0;
    return evictions;
  }

  /**
   * Before a deletion by age: write the lazily held times of the keys whose
   * row on disk is old enough to be deleted (its stored "last seen" at or
   * before the cut, or before it when `inclusive` is false), so only rows
   * that are truly that old go. Writing them can move the cut (the N oldest
   * rows change), so it is asked again until no such key is left.
   */
  private settleBefore(s: RuleState, cut: () => number | undefined, inclusive: boolean): void {
    for (;;) {
      const c = cut();
      if (c === undefined) return;
      const risky = new Map<string, Held>();
      for (const [key, h] of s.lazy) if (inclusive ? h.disk <= c : h.disk < c) risky.set(key, h);
      if (risky.size === 0) return;
      for (const key of risky.keys()) s.lazy.delete(key);
      this.write(s, risky);
    }
  }

  /** Delete keys of `rule` not seen since `before` (all of them, at once). */
  purge(rule: string, before: number): number {
    this.flush();
    const n = this.db.prepare('DELETE FROM vigil_first_seen WHERE rule = ? AND last_ts < ?').run(rule, before).changes;
    const s = this.rules.get(rule);
    if (s) {
      s.keys -= n;
      for (const [key, h] of s.recent) if (h.last < before) s.recent.delete(key);
    }
    return n;
  }

  close(): void { this.flush(); this.db.close(); }
}
