/**
 * Contexts: named, keyed flags with a lifetime on event time (SEC's
 * contexts). Set and cleared by the `context.set` / `context.delete` actions,
 * tested by the `context(name, key…)` condition helper. Each name holds at
 * most `capPerName` keys, or the limit a rule file declares for it under
 * `contexts:` (see setLimits); the least recently set is evicted first, and
 * counted. Keys sit in an LruMap per name, so setting one at the cap costs
 * O(1) however many were evicted before.
 *
 * Names come from templates too ("probe-{{src.ip}}"), so a per-name cap does
 * not bound the store: every name without a declared limit also shares one
 * budget of `capShared` keys, kept in a second recency list that runs across
 * those names, and setting one more evicts the least recently set of all of
 * them. Declared names are finite (the ruleset lists them) and each is bounded
 * by its own limit, so they stay out of the shared budget: a flood through a
 * templated name cannot flush them. A name whose last key goes (expiry,
 * delete, eviction) is dropped, so names cost nothing once their keys are gone.
 * Persistent contexts are written through to SQLite and read back at start.
 */
import type Database from 'better-sqlite3';
import { LruMap } from './lru-map.ts';
import { migrate } from '../store/database.ts';

/** Keys per name without a declared limit, and keys of all such names together, unless the options say otherwise. */
export const DEFAULT_CONTEXT_CAP = 100_000;

/**
 * One context. Its name's LruMap orders it among the name's keys; when its
 * name has no declared limit it is also linked into the shared recency list
 * (`older`/`newer`), which runs across names.
 */
interface Entry {
  expires: number;
  /** Event time of the latest set (-Infinity for a row written before the database kept it). */
  setAt: number;
  persistent: boolean;
  readonly name: string;
  readonly key: string;
  /** When it was last set, as a running count: orders entries of different names when the shared list is rebuilt. */
  seq: number;
  /** Linked into the shared list. */
  shared: boolean;
  older: Entry | null;
  newer: Entry | null;
}

export interface ContextStats { live: number; sets: number; deletes: number; expired: number; evictions: number }

export interface ContextStoreOptions {
  /** Keys per context name unless a name has its own limit (setLimits), default 100000. */
  readonly capPerName?: number;
  /** Keys of all names without a declared limit together (the least recently set of them is evicted first), default 100000. */
  readonly capShared?: number;
  /** Open database for persistent contexts (the engine's memory database); none keeps everything in memory. */
  readonly db?: Database.Database;
}

export class ContextStore {
  private readonly byName = new Map<string, LruMap<Entry>>();
  private readonly cap: number;
  private readonly capShared: number;
  /** Names with a declared limit; the others use `cap` and share `capShared`. */
  private limits: ReadonlyMap<string, number> = new Map();
  private readonly counts = { sets: 0, deletes: 0, expired: 0, evictions: 0 };
  private live = 0;
  private seq = 0;
  /** The shared recency list: entries of names without a declared limit, oldest first. */
  private oldest: Entry | null = null;
  private newest: Entry | null = null;
  private sharedCount = 0;
  private readonly put?: Database.Statement;
  private readonly del?: Database.Statement;

  constructor(opts: ContextStoreOptions = {}, now = 0) {
    this.cap = opts.capPerName ?? DEFAULT_CONTEXT_CAP;
    this.capShared = opts.capShared ?? DEFAULT_CONTEXT_CAP;
    if (!(Number.isInteger(this.capShared) && this.capShared >= 1)) throw new Error(`contexts: capShared must be an integer of at least 1, got ${this.capShared}`);
    const db = opts.db;
    if (db) {
      // IF NOT EXISTS: databases from before the migration record already hold the table.
      migrate(db, 'contexts/1', 'CREATE TABLE IF NOT EXISTS vigil_contexts (name TEXT NOT NULL, key TEXT NOT NULL, expires REAL NOT NULL, PRIMARY KEY (name, key)) WITHOUT ROWID');
      // The set time, so that after a restart a late set still cannot cut short what a later one gave. Nullable: a vigil
      // that predates it keeps writing rows (NULL: unknown), so the layout version stays.
      migrate(db, 'contexts/2', 'ALTER TABLE vigil_contexts ADD COLUMN set_ts REAL');
      this.put = db.prepare('INSERT OR REPLACE INTO vigil_contexts (name, key, expires, set_ts) VALUES (?, ?, ?, ?)');
      this.del = db.prepare('DELETE FROM vigil_contexts WHERE name = ? AND key = ?');
      // Rows that expired while vigil was down would never be swept: nothing in memory refers to them.
      if (now > 0) db.prepare('DELETE FROM vigil_contexts WHERE expires < ?').run(now);
      const rows = db.prepare('SELECT name, key, expires, set_ts FROM vigil_contexts ORDER BY expires').all() as { name: string; key: string; expires: number; set_ts: number | null }[];
      for (const r of rows) {
        if (r.expires < now) continue;
        const m = this.mapOf(r.name);
        this.add(m, r.name, r.key, r.expires === Number.MAX_VALUE ? Infinity : r.expires, true, r.set_ts ?? -Infinity);
        if (m.size > this.cap) this.evictOldest(r.name, m, 1);
      }
      // The shared budget is applied by the first setLimits (the engine's first ruleset load) or set, not here:
      // which names have a declared limit, and so stay out of it, is not known yet.
    }
  }

  /** Set (or refresh) `name` for `key` until `now + ttl` (ttl null: no expiry); a set older than the last one only lengthens. */
  set(name: string, key: string, now: number, ttlMs: number | null, persistent = false): void {
    const m = this.mapOf(name);
    let expires = ttlMs === null ? Infinity : now + ttlMs;
    // Without a database (replay, rules test) a persistent context lives for the run, so the rules behave as they do live.
    if (persistent && !this.put) persistent = false;
    const e = m.get(key);
    let setAt = now;
    if (e !== undefined) {
      if (e.persistent && !persistent) this.del?.run(name, key);
      // A late event (a replayed or delayed one) sets it at an older time: on event time that set came first, so it
      // cannot cut short the lifetime a later set gave. Sets in time order replace the lifetime, as in SEC.
      if (now < e.setAt) expires = Math.max(expires, e.expires); else e.setAt = now;
      setAt = e.setAt;
      e.expires = expires;
      e.persistent = persistent;
      e.seq = ++this.seq;
      m.touch(key);
      if (e.shared && this.newest !== e) { this.unlinkShared(e); this.linkShared(e); }
    } else this.add(m, name, key, expires, persistent, now);
    this.counts.sets++;
    if (persistent) this.put!.run(name, key, expires === Infinity ? Number.MAX_VALUE : expires, setAt);
    if (m.size > this.capOf(name)) this.evictOldest(name, m, 1);
    while (this.sharedCount > this.capShared) this.evictSharedOldest();
  }

  /**
   * Per-name key limits (a ruleset's `contexts:` section), replacing the
   * previous ones: a name not listed goes back to the default cap and the
   * shared budget. A name holding more keys than its new limit loses the
   * least recently set at once (counted as evictions), and so do the names
   * sharing the budget when they hold more than it together, so the bounds
   * hold from the next event.
   */
  setLimits(limits: Readonly<Record<string, { readonly maxKeys: number }>>): void {
    const next = new Map<string, number>();
    for (const [name, l] of Object.entries(limits)) {
      if (!(Number.isInteger(l.maxKeys) && l.maxKeys >= 1)) throw new Error(`context ${name}: max_keys must be an integer of at least 1, got ${l.maxKeys}`);
      next.set(name, l.maxKeys);
    }
    const prev = this.limits;
    this.limits = next;
    let moved = false;
    for (const [name, m] of this.byName) {
      const over = m.size - this.capOf(name);
      if (over > 0) this.evictOldest(name, m, over);
      if (prev.has(name) !== next.has(name)) moved = true;
    }
    // A name that gained or lost its declared limit joins or leaves the shared list: rebuild it in set order (reloads only).
    if (moved) this.rebuildShared();
    while (this.sharedCount > this.capShared) this.evictSharedOldest();
  }

  /** The most keys `name` may hold. */
  capOf(name: string): number { return this.limits.get(name) ?? this.cap; }

  delete(name: string, key: string): boolean {
    const m = this.byName.get(name);
    const e = m?.get(key);
    if (!m || !e) return false;
    m.delete(key);
    this.counts.deletes++;
    if (e.persistent) this.del?.run(name, key);
    this.forget(e);
    if (m.size === 0) this.byName.delete(name);
    return true;
  }

  /** Is `name` set for `key` at event time `now`? A context lives while `now - setAt <= ttl`, like every "within D" in vigil. */
  has(name: string, key: string, now: number): boolean {
    const m = this.byName.get(name);
    const e = m?.get(key);
    if (!e) return false;
    if (now <= e.expires) return true;
    m!.delete(key);
    this.counts.expired++;
    if (e.persistent) this.del?.run(name, key);
    this.forget(e);
    if (m!.size === 0) this.byName.delete(name);
    return false;
  }

  /** Remove expired entries of every name, and the names left empty (called by the engine now and then). */
  sweep(now: number): void {
    for (const [name, m] of this.byName) {
      m.removeWhere((e) => e.expires < now, (k, e) => { this.counts.expired++; if (e.persistent) this.del?.run(name, k); this.forget(e); });
      if (m.size === 0) this.byName.delete(name);
    }
  }

  stats(): ContextStats {
    return { live: this.live, ...this.counts };
  }

  /** A new entry for `key` in `name`'s map, the most recent both there and, for a name without a declared limit, in the shared list. */
  private add(m: LruMap<Entry>, name: string, key: string, expires: number, persistent: boolean, setAt = -Infinity): void {
    const e: Entry = { expires, setAt, persistent, name, key, seq: ++this.seq, shared: false, older: null, newer: null };
    m.set(key, e);
    this.live++;
    if (!this.limits.has(name)) this.linkShared(e);
  }

  /** Drop the `n` least recently set keys of a name (the name too if none is left). */
  private evictOldest(name: string, m: LruMap<Entry>, n: number): void {
    for (let i = 0; i < n; i++) {
      m.shift((k, e) => { this.counts.evictions++; if (e.persistent) this.del?.run(name, k); this.forget(e); });
    }
    if (m.size === 0) this.byName.delete(name);
  }

  /** Drop the least recently set key of all names without a declared limit. */
  private evictSharedOldest(): void {
    const e = this.oldest;
    if (e === null) return;
    const m = this.byName.get(e.name)!;
    m.delete(e.key);
    this.counts.evictions++;
    if (e.persistent) this.del?.run(e.name, e.key);
    this.forget(e);
    if (m.size === 0) this.byName.delete(e.name);
  }

  /** Account for an entry that has left its name's map. */
  private forget(e: Entry): void {
    this.live--;
    if (e.shared) this.unlinkShared(e);
  }

  private linkShared(e: Entry): void {
    e.older = this.newest; e.newer = null;
    if (this.newest) this.newest.newer = e; else this.oldest = e;
    this.newest = e;
    e.shared = true;
    this.sharedCount++;
  }

  private unlinkShared(e: Entry): void {
    if (e.older) e.older.newer = e.newer; else this.oldest = e.newer;
    if (e.newer) e.newer.older = e.older; else this.newest = e.older;
    e.older = e.newer = null;
    e.shared = false;
    this.sharedCount--;
  }

  /** Relink the shared list from scratch: every entry of a name without a declared limit, in set order. */
  private rebuildShared(): void {
    const entries: Entry[] = [];
    for (const [name, m] of this.byName) {
      const shared = !this.limits.has(name);
      m.forEach((e) => { e.shared = false; e.older = e.newer = null; if (shared) entries.push(e); });
    }
    this.oldest = this.newest = null;
    this.sharedCount = 0;
    entries.sort((a, b) => a.seq - b.seq);
    for (const e of entries) this.linkShared(e);
  }

  private mapOf(name: string): LruMap<Entry> {
    let m = this.byName.get(name);
    if (!m) { m = new LruMap(); this.byName.set(name, m); }
    return m;
  }
}
