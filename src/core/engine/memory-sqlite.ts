/**
 * SQLite KeyMemory for first_seen: keys survive restarts. WAL journal,
 * synchronous=NORMAL; sightings are written in batches (every `batchSize`
 * sightings that must be written, or when event time moved `flushEveryMs`
 * past the last write, and on close; while no event comes, an unref'd
 * timer writes them after `idleFlushMs` of wall time). A crash loses at most the unwritten
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
 *
 * A write that fails (SQLITE_BUSY: another process held the write lock past
 * the busy timeout; SQLITE_FULL; an I/O error) must not stop the engine:
 * first_seen is a learner, and losing some sightings for a while is better
 * than losing every rule. The failed write is rolled back, in memory too, so
 * its sightings stay due and are written by a later try; tries are spaced
 * out (`retryAfterMs`, doubling to a minute) because each one can wait the
 * whole busy timeout. Failures are counted (`writeFailures`) and reported
 * (`onWriteError`). The sightings waiting are bounded by `maxPending`: past
 * it the oldest due one is dropped and counted (`droppedSightings`); a new
 * key dropped that way is forgotten, so it may be reported once more.
 */
import Database from 'better-sqlite3';
import type { KeyMemory, MemoryBound, RuleMemory } from './types/api.ts';
import { PURGE_CHUNK, PURGE_EVERY_MS } from './memory.ts';
import { KeyFilter } from './key-filter.ts';
import { LruMap } from './lru-map.ts';
import { migrate, openFile } from '../store/database.ts';

/** Lone UTF-16 surrogates: SQLite stores them as bytes that read back as other characters. */
const LONE_SURROGATE = /\p{Cs}/gu;

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
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
  /** Wall time before the first retry of a failed write (default 1,000 ms); it doubles per failure in a row, up to a minute. */
  readonly retryAfterMs?: number;
  /** Sightings kept for writing at most, across rules, while writes fail (default 100,000, at least batchSize). */
  readonly maxPending?: number;
  /** Wall time after which sightings still waiting are written even when no event comes to trigger it (default 1,000 ms; 0: only on events and close). */
  readonly idleFlushMs?: number;
  /** Told of each failed write: the error, the sightings still waiting, those dropped so far, and whether it was the last write (close). */
  readonly onWriteError?: (err: Error, info: WriteErrorInfo) => void;
}

export interface WriteErrorInfo {
  readonly pending: number;
  readonly dropped: number;
  readonly closing: boolean;
}

/** Longest wait between two tries of a failing write. */
const MAX_RETRY_MS = 60_000;

interface Sighting { first: number; last: number }

/** A key held in memory: its sightings, and the `last` its row on disk has (-Infinity: no row yet). */
interface Held extends Sighting { disk: number }

interface RuleState {
  readonly rule: string;
  bound: MemoryBound;
  /** Keys the rule holds: rows on disk plus new keys not written yet. */
  keys: number;
  /**
   * Recently seen keys. An LruMap, not a Map evicted from its start: V8
   * leaves a hole per deleted entry and iteration walks them, which made a
   * flood at the cache cap quadratic (tens of µs per key at 65,536).
   */
  readonly recent: LruMap<Held>;
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
  /** Writes of a batch that failed (each was rolled back and its sightings kept, or lost at close). */
  writeFailures = 0;
  /** Due sightings dropped because more than `maxPending` waited. */
  droppedSightings = 0;
  private readonly retryAfterMs: number;
  private readonly maxPending: number;
  private readonly onWriteError: ((err: Error, info: WriteErrorInfo) => void) | undefined;
  /** Failed writes in a row, and the wall time before which no write is tried again. */
  private failing = 0;
  private retryAt = 0;
  /** While a batch is written: how to put memory back as it was if the transaction fails, newest last. */
  private undo: Array<() => void> | null = null;
  private readonly rules = new Map<string, RuleState>();
  private pendingCount = 0;
  private readonly batchSize: number;
  private readonly flushEveryMs: number;
  private readonly purgeEveryMs: number;
  private readonly deleteChunk: number;
  private readonly cacheKeys: number;
  private readonly refreshEveryMs: number;
  private lastFlushTs = -Infinity;
  /** The latest event time seen: what a write on the idle timer runs at. */
  private latestTs = -Infinity;
  private idleTimer: NodeJS.Timeout | null = null;
  /** A deletion stopped at its chunk: the next sighting writes (and deletes) again, due sightings or not. */
  private backlog = false;
  private readonly writeBatch: (ts: number | undefined) => Array<[MemoryBound, number]>;

  constructor(path: string, opts: SqliteKeyMemoryOptions = {}) {
    this.db = openFile(path, opts.busyTimeoutMs ?? 5000, (db) => {
      db.pragma('synchronous = NORMAL');
      // IF NOT EXISTS: databases from before the migration record already hold the table.
      migrate(db, 'first_seen/1', `CREATE TABLE IF NOT EXISTS vigil_first_seen (
        rule TEXT NOT NULL, key TEXT NOT NULL, first_ts REAL NOT NULL, last_ts REAL NOT NULL,
        PRIMARY KEY (rule, key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS vigil_first_seen_by_last ON vigil_first_seen (rule, last_ts)`);
    });
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
    this.retryAfterMs = opts.retryAfterMs ?? 1000;
    this.maxPending = Math.max(opts.maxPending ?? 100_000, this.batchSize);
    this.onWriteError = opts.onWriteError;
    this.writeBatch = this.db.transaction((ts: number | undefined) => this.writeAndBound(ts));
    // Sightings wait for the next event to be written; on a quiet network that could be hours, and a crash would lose them all.
    const idle = opts.idleFlushMs ?? 1000;
    if (idle > 0) {
      this.idleTimer = setInterval(() => this.idleFlush(), idle);
      this.idleTimer.unref();
    }
  }

  private idleFlush(): void {
    if (this.pendingCount === 0 && !this.backlog) return;
    if (this.failing !== 0 && Date.now() < this.retryAt) return;
    try {
      this.tryFlush(this.latestTs);
    } catch (e) {
      // Thrown from a timer it would end the process; a bug here must not cost every rule.
      this.writeFailures++;
      this.onWriteError?.(e instanceof Error ? e : new Error(String(e)), { pending: this.pendingCount, dropped: this.droppedSightings, closing: false });
    }
  }

  forRule(rule: string, bound: MemoryBound): RuleMemory {
    let s = this.rules.get(rule);
    if (s === undefined) {
      this.rules.set(rule, (s = { rule, bound, keys: 0, recent: new LruMap(), due: new Map(), lazy: new Map(), nextPurgeAt: -Infinity, filter: null }));
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

  private seen(s: RuleState, rawKey: string, ts: number): boolean {
    // Stored as is, such a key would read back (into the filter) as another string and count as new after every restart.
    const key = LONE_SURROGATE.test(rawKey) ? rawKey.replace(LONE_SURROGATE, '\uFFFD') : rawKey;
    LONE_SURROGATE.lastIndex = 0;
    if (ts > this.latestTs) this.latestTs = ts;
    const forget = s.bound.forgetAfterMs;
    let known: boolean;
    // A key that left memory with its sighting not yet written is still found among the due ones.
    let h = s.recent.get(key) ?? s.due.get(key);
    if (h !== undefined) {
      known = forget === null || ts - h.last <= forget;
      if (!known) h.first = ts;
      // An older event (a capture replayed into a live database) must not pull "last seen" back and get the key forgotten early.
      if (ts > h.last) h.last = ts;
      if (!known || h.last - h.disk > this.refreshEveryMs) this.makeDue(s, key, h);
      else if (!s.due.has(key)) s.lazy.set(key, h);
    } else {
      let row: Sighting | undefined;
      if (s.filter === null || s.filter.mightHave(key)) { this.lookups++; row = this.get.get(s.rule, key) as Sighting | undefined; }
      if (row === undefined) { s.keys++; s.filter?.add(key); }
      known = row !== undefined && (forget === null || ts - row.last <= forget);
      h = { first: known ? row!.first : ts, last: row === undefined ? ts : Math.max(ts, row.last), disk: row === undefined ? -Infinity : row.last };
      this.makeDue(s, key, h);
    }
    this.remember(s, key, h);
    if (this.lastFlushTs === -Infinity) this.lastFlushTs = ts;
    if ((this.pendingCount >= this.batchSize || ts - this.lastFlushTs >= this.flushEveryMs || this.backlog)
      && (this.failing === 0 || Date.now() >= this.retryAt)) this.tryFlush(ts);
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
    s.recent.set(key, h);
    if (s.recent.size <= Math.min(this.cacheKeys, s.bound.maxKeys)) return;
    // A time it still owes the disk is written with the next batch.
    s.recent.shift((oldKey, old) => { if (s.lazy.delete(oldKey)) this.makeDue(s, oldKey, old); });
  }

  private makeDue(s: RuleState, key: string, h: Held): void {
    s.lazy.delete(key);
    if (s.due.has(key)) return;
    s.due.set(key, h);
    if (++this.pendingCount > this.maxPending) this.dropOldest();
  }

  /**
   * Drop the oldest due sighting of the rule with the most of them. A key
   * with no row yet is forgotten altogether, so the count of keys stays
   * true; one with a row keeps it (with an older "last seen").
   */
  private dropOldest(): void {
    let most: RuleState | null = null;
    for (const r of this.rules.values()) if (most === null || r.due.size > most.due.size) most = r;
    if (most === null || most.due.size === 0) return;
    const [key, h] = most.due.entries().next().value as [string, Held];
    most.due.delete(key);
    this.pendingCount--;
    this.droppedSightings++;
    if (h.disk === -Infinity) {
      most.recent.delete(key);
      most.lazy.delete(key);
      most.keys--;
    } else if (most.recent.has(key)) most.lazy.set(key, h);
  }

  /**
   * Write buffered sightings in one transaction, then bring each rule back
   * within its cap and (when `ts`, the event time, is given and a purge is
   * due) delete its forgotten rows.
   */
  flush(ts?: number): void {
    const undo: Array<() => void> = [];
    const backlog = this.backlog;
    this.undo = undo;
    let evictions: Array<[MemoryBound, number]>;
    try {
      evictions = this.writeBatch(ts);
    } catch (e) {
      // SQLite rolled the rows back; memory must agree, or the sightings would count as written.
      for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      this.backlog = backlog;
      this.pendingCount = 0;
      for (const s of this.rules.values()) this.pendingCount += s.due.size;
      throw e;
    } finally {
      this.undo = null;
    }
    if (ts !== undefined) this.lastFlushTs = ts;
    for (const [bound, n] of evictions) bound.evicted(n);
    // After the commit, so a filter is never rebuilt from rows a failed write would take back.
    for (const s of this.rules.values()) {
      if (!s.filter?.full) continue;
      // A filter half refilled would miss stored keys and call them new; none looks every key up instead.
      try { this.refill(s); } catch (e) { s.filter = null; throw e; }
    }
  }

  /** flush() where a failure must not stop the engine: a database error is counted, reported and retried later. */
  private tryFlush(ts: number): void {
    try {
      this.flush(ts);
      this.failing = 0;
    } catch (e) {
      if (!(e instanceof Database.SqliteError)) throw e;
      this.writeFailures++;
      this.failing++;
      this.retryAt = Date.now() + Math.min(MAX_RETRY_MS, this.retryAfterMs * 2 ** (this.failing - 1));
      this.onWriteError?.(e, { pending: this.pendingCount, dropped: this.droppedSightings, closing: false });
    }
  }

  /** Sightings waiting to be written (all rules). */
  pending(): number { return this.pendingCount; }

  /** Upsert `held`'s sightings and empty it; a failed transaction puts them back into `owner`. */
  private write(s: RuleState, held: Map<string, Held>, owner: Map<string, Held> = held): void {
    if (this.undo !== null && held.size > 0) {
      const was = Array.from(held, ([key, h]) => [key, h, h.disk] as const);
      this.undo.push(() => { for (const [key, h, disk] of was) { h.disk = disk; owner.set(key, h); } });
    }
    for (const [key, h] of held) { this.upsert.run(s.rule, key, h.first, h.last); h.disk = h.last; }
    held.clear();
  }

  /** Delete rows by a statement that returns their keys, and forget those keys in memory too. */
  private deleteRows(s: RuleState, stmt: Database.Statement, params: Record<string, unknown>): number {
    const gone = stmt.all(params) as { key: string }[];
    if (this.undo !== null && gone.length > 0) {
      const was = gone.map(({ key }) => [key, s.recent.get(key), s.lazy.get(key)] as const);
      this.undo.push(() => {
        s.keys += was.length;
        for (const [key, r, l] of was) { if (r) s.recent.set(key, r); if (l) s.lazy.set(key, l); }
      });
    }
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
        const nextPurgeAt = s.nextPurgeAt;
        this.undo?.push(() => { s.nextPurgeAt = nextPurgeAt; });
        s.nextPurgeAt = n === this.deleteChunk ? ts : ts + this.purgeEveryMs;
        if (n === this.deleteChunk) this.backlog = true;
      }
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
      this.write(s, risky, s.lazy);
    }
  }

  /** Delete keys of `rule` not seen since `before` (all of them, at once). */
  purge(rule: string, before: number): number {
    this.flush();
    const n = this.db.prepare('DELETE FROM vigil_first_seen WHERE rule = ? AND last_ts < ?').run(rule, before).changes;
    const s = this.rules.get(rule);
    if (s) {
      s.keys -= n;
      s.recent.removeWhere((h) => h.last < before, (key) => s.lazy.delete(key));
    }
    return n;
  }

  /** Last write, then close; a database error here is reported (its sightings are lost), not thrown, so shutdown completes. */
  close(): void {
    if (this.idleTimer) { clearInterval(this.idleTimer); this.idleTimer = null; }
    try {
      this.flush();
    } catch (e) {
      if (!(e instanceof Database.SqliteError)) throw e;
      this.writeFailures++;
      this.onWriteError?.(e, { pending: this.pendingCount, dropped: this.droppedSightings, closing: true });
    } finally {
      this.db.close();
    }
  }
}
